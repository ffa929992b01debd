export { buildProgram, runCli } from './cli';
export { CliError } from './errors';
export type { CliIo } from './output';
export { readDataset, writeDataset } from './datasets/formats';
export type { Box, DatasetItem, ExportItem, DatasetFormat } from './datasets/dataset';
