/**
 * The JSON writer: the report as indented JSON, one trailing newline. It renders
 * data/report.json; every other writer renders into data/exports/.
 */
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';

export const jsonWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: 'json',
  version: '1.0.0',
  title: 'trustlab report (JSON, schema reports/schema/report.schema.json)',
  mediaType: 'application/json',
  fileName: 'report.json',
  render: (report) => Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8'),
};
