/**
 * Which probe backend the engine uses: the native addon where it is built, else Node's raw
 * TCP handle, else net.Socket. TRUSTLAB_SCAN_BACKEND=native|raw|socket asks for one (it falls
 * back down the same list if that one is missing), for benchmarks and for ruling one out.
 */
import { nativeBackendIfAvailable } from './native-backend.ts';
import { rawBackendIfAvailable, socketBackend, type ProbeBackend } from './probe.ts';

const ORDER = ['native', 'raw', 'socket'] as const;
let chosen: ProbeBackend | undefined;

function byId(id: (typeof ORDER)[number]): ProbeBackend | undefined {
  if (id === 'native') return nativeBackendIfAvailable();
  if (id === 'raw') return rawBackendIfAvailable();
  return socketBackend;
}

/** The backend scans use by default (chosen once per process). */
export function defaultBackend(): ProbeBackend {
  if (chosen) return chosen;
  const asked = process.env.TRUSTLAB_SCAN_BACKEND;
  const start = Math.max(0, ORDER.findIndex((id) => id === asked));
  for (const id of ORDER.slice(start)) {
    chosen = byId(id);
    if (chosen) break;
  }
  chosen ??= socketBackend;
  return chosen;
}
