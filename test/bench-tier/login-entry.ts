/**
 * Run inside the bench namespace: adapter contract checks against mosquitto (MQTT 5, with and
 * without credentials) and vsftpd (anonymous and a wrong login); prints outcomes as JSON.
 */
import { createScopeGuard } from '../../harness/scope/guard.ts';
import { mqttConnect } from '../../adapters/mqtt/connect.ts';
import { ANONYMOUS, ftpTryAll } from '../../adapters/ftp/login.ts';

const guard = createScopeGuard(['127.88.0.0/24']);
const v5 = { guard, port: 1883, protocolVersion: 5 as const, timeoutMs: 4000 };
const [ftpAnon, ftpWrong] = await ftpTryAll({ guard, address: '127.88.0.30', port: 21, timeoutMs: 4000 }, [ANONYMOUS, { username: 'admin', password: 'admin' }]);
const out = {
  mqtt5Anonymous: (await mqttConnect({ ...v5, address: '127.88.0.12' })).outcome,
  mqtt5Auth: (await mqttConnect({ ...v5, address: '127.88.0.13' }, { username: 'mqttuser', password: 'mqttpass1' })).outcome,
  mqtt5Wrong: (await mqttConnect({ ...v5, address: '127.88.0.13' }, { username: 'mqttuser', password: 'nope' })).outcome,
  mqtt5NoCreds: (await mqttConnect({ ...v5, address: '127.88.0.13' })).outcome,
  ftpAnonymous: ftpAnon?.outcome,
  ftpWrong: ftpWrong?.outcome,
};
process.stdout.write(JSON.stringify(out));
