/**
 * Plate metadata for phenotypic profiling: fields from image file names, joins with plate-map /
 * image-table CSVs (with a BBBC021 preset), and import / export of precomputed profile tables.
 */
export * from './table';
export * from './filename';
export * from './csvJoin';
export * from './profiles';
