/**
 * A fake BusyBox ash shell shared by the telnet and ssh services. It answers the handful of
 * commands that scanners and botnet probes (Mirai's `/bin/busybox <TAG>`) send after a login,
 * so a test can tell a real shell from a login banner without anything being executed.
 */

/** Identity of the emulated firmware, shown in banners and command output. */
export interface FirmwareIdentity {
  hostname: string;
  serial: string;
}

/** The shell prompt of a root BusyBox shell. */
export const SHELL_PROMPT = '# ';

/** The banner BusyBox prints when an interactive shell starts. */
export const BUSYBOX_BANNER =
  '\r\n\r\nBusyBox v1.24.1 (2017-03-01 12:00:00 CST) built-in shell (ash)\r\n' +
  "Enter 'help' for a list of built-in commands.\r\n\r\n";

const PROC_VERSION =
  'Linux version 3.10.14 (builder@buildhost) (gcc version 4.9.3 (Buildroot 2015.08)) ' +
  '#1 PREEMPT Wed Mar 1 12:00:00 CST 2017';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'admin:x:1000:1000:admin:/home/admin:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
];

const BUILTINS = ['cat', 'cd', 'echo', 'exit', 'help', 'id', 'ls', 'ps', 'pwd', 'uname', 'busybox', 'whoami'];

/** The outcome of one command line: text to print and whether the session ends. */
export interface ShellResult {
  output: string;
  exit: boolean;
}

function cat(path: string | undefined, fw: FirmwareIdentity): string {
  switch (path) {
    case '/proc/version':
      return PROC_VERSION;
    case '/proc/cpuinfo':
      return 'system type\t\t: MT7620A\nmachine\t\t\t: IPCam\ncpu model\t\t: MIPS 24KEc V5.0';
    case '/etc/passwd':
      return PASSWD.join('\n');
    case '/etc/hostname':
      return fw.hostname;
    case '/etc/serial':
      return fw.serial;
    case undefined:
      return '';
    default:
      return `cat: can't open '${path}': No such file or directory`;
  }
}

function busybox(args: string[]): string {
  if (args.length === 0) {
    return 'BusyBox v1.24.1 (2017-03-01 12:00:00 CST) multi-call binary.\nCurrently defined functions:\n\t' +
      BUILTINS.join(', ');
  }
  const applet = args[0] ?? '';
  // Unknown applets are how Mirai-style scanners fingerprint a real BusyBox.
  return BUILTINS.includes(applet) ? '' : `${applet}: applet not found`;
}

/** Run one command line of the fake shell. */
export function runShellCommand(line: string, fw: FirmwareIdentity): ShellResult {
  const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
  const [cmd, ...args] = words;
  const out = (text: string): ShellResult => ({ output: text, exit: false });
  switch (cmd) {
    case undefined:
      return out('');
    case 'exit':
    case 'logout':
      return { output: '', exit: true };
    case 'cat':
      return out(cat(args[0], fw));
    case 'uname':
      return out(args.includes('-a') ? `Linux ${fw.hostname} 3.10.14 #1 PREEMPT Wed Mar 1 12:00:00 CST 2017 mips GNU/Linux` : 'Linux');
    case 'id':
      return out('uid=0(root) gid=0(root)');
    case 'whoami':
      return out('root');
    case 'pwd':
      return out('/');
    case 'ls':
      return out('bin   dev   etc   lib   mnt   proc  root  sbin  sys   tmp   usr   var');
    case 'echo':
      return out(args.join(' '));
    case 'ps':
      return out('  PID USER       VSZ STAT COMMAND\n    1 root      1520 S    init\n  412 root      1516 S    telnetd\n  420 root      2890 S    ipcam');
    case 'help':
      return out(`Built-in commands:\n------------------\n\t${BUILTINS.join(' ')}`);
    case 'busybox':
    case '/bin/busybox':
      return out(busybox(args));
    case 'enable':
    case 'system':
    case 'shell':
    case 'sh':
      return out('');
    default:
      return out(`-sh: ${cmd}: not found`);
  }
}

/** Output text with CRLF line ends, as a terminal expects. */
export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
