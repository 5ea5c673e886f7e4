/**
 * One way to make an ajv instance with formats (date, ipv4, ipv6, date-time), shared by the
 * config loader and the report builder. ajv-formats is CommonJS: under ESM its function
 * sits on `.default`.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/** A draft-07 ajv with the standard formats. */
export function createAjv(opts: Options): Ajv {
  const ajv = new Ajv(opts);
  addFormats(ajv);
  return ajv;
}
