/** Conventional service names by port: a scan without identification reports these, and identification falls back on them. */

/** Conventional services by port, used only when the service itself said nothing telling. */
export const PORT_HINTS: Record<number, string> = {
  21: 'ftp', 22: 'ssh', 23: 'telnet', 80: 'http', 443: 'https', 554: 'rtsp', 8554: 'rtsp', 1883: 'mqtt', 2222: 'ssh', 8000: 'http', 8008: 'http', 8081: 'http', 8888: 'http',
  2323: 'telnet', 5555: 'adb', 5683: 'coap', 8080: 'http', 8443: 'https', 8883: 'mqtts', 1234: 'gdbserver',
};

/** The conventional service name of a port, or undefined (what a scan without identification reports). */
export function serviceHint(port: number): string | undefined {
  return PORT_HINTS[port];
}
