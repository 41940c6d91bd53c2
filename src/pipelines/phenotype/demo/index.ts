/** Built-in synthetic screening plate for the phenotypic-profiling panel (no user files needed). */
export * from './plate';
