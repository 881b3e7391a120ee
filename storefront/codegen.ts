// Types every operation from the committed supergraph: an operation that no longer matches the
// contract fails `graphql-codegen` (and so `npm run build` and `make install`).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // SHOP_SUPERGRAPH: another contract to check the operations against (tests/storefront/test_contract.py).
  schema: process.env.SHOP_SUPERGRAPH ?? '../router/supergraph.graphql',
  documents: ['src/**/*.ts', 'src/**/*.tsx', '!src/gql/**'],
  ignoreNoDocuments: false,
  errorsOnly: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', Decimal: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        documentMode: 'string',
      },
    },
  },
};

export default config;
