/**
 * graphql-js, by its CommonJS entry point. Node resolves `graphql` to that same file, but bundlers that
 * prefer the `module` field (Vite, hence Vitest) load `index.mjs` instead, while the libraries this
 * package hands schemas and errors to (`@graphql-tools/schema`, `graphql-ws`) load the CommonJS build:
 * two copies of graphql-js, whose `instanceof` checks reject each other's schemas and errors. Importing
 * graphql-js through this module keeps one copy everywhere.
 */
export * from 'graphql/index.js';
