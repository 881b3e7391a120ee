// What admins find in GraphiQL (Hive Laboratory) at GET /graphql: ready operations and how to sign in.
// Hive Gateway renders Laboratory, which takes `defaultCollections`; `defaultTabs` serve plain GraphiQL.

const AUTH_HINT =
  'Run "Sign in" first, copy login.accessToken, and put it in the Headers tab of each operation as ' +
  '{"Authorization": "Bearer <accessToken>"} (on WebSocket subscriptions the same key goes in the connection_init payload).';

// The same words as comments at the top of the editor, one short line each.
const AUTH_COMMENT = [
  '# 1. Run this operation; copy login.accessToken from the response.',
  '# 2. In every other operation, Headers tab: {"Authorization": "Bearer <accessToken>"}',
  '#    (subscriptions over WebSocket: the same key in the connection_init payload).',
].join('\n');

const BEARER = JSON.stringify({ Authorization: 'Bearer <accessToken from Sign in>' }, null, 2);

interface ReadyOperation {
  name: string;
  description: string;
  query: string;
  variables: Record<string, unknown>;
  signedIn: boolean;
}

const OPERATIONS: ReadyOperation[] = [
  {
    name: 'Sign in',
    description: 'An admin session: the accessToken goes into the Authorization header of the other operations.',
    query: `mutation SignIn($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    accessToken
    expiresIn
    user { id email roles }
    errors { code message }
  }
}`,
    variables: { email: 'admin@example.com', password: 'admin-password' },
    signedIn: false,
  },
  {
    name: 'Add a product',
    description: 'Creates a product in a category (see `categories` for the ids).',
    query: `mutation AddProduct($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id name price { amount currency } stock category { name } }
    errors { code field message }
  }
}`,
    variables: { input: { name: 'Чайник', description: 'Электрический, 1,7 л', price: '2490.00', categoryId: '<category id>', stock: 10 } },
    signedIn: true,
  },
  {
    name: 'Adjust stock',
    description: 'Adds (or, negative, removes) units; never below what is reserved.',
    query: `mutation AdjustStock($productId: ID!, $delta: Int!) {
  adjustStock(productId: $productId, delta: $delta) {
    product { id name stock }
    errors { code message }
  }
}`,
    variables: { productId: '<product id>', delta: 5 },
    signedIn: true,
  },
  {
    name: "A customer's orders",
    description: 'Find the customer by email, then their orders, newest first.',
    query: `query CustomerOrders($search: String!) {
  users(first: 5, search: $search) {
    edges { node { id email displayName
      orders(first: 20) { edges { node { id status total { amount currency } createdAt delivery { status } } } }
    } }
  }
}`,
    variables: { search: 'customer@example.com' },
    signedIn: true,
  },
  {
    name: 'Move a delivery',
    description: 'QUEUED → IN_TRANSIT → DELIVERED (courier) or QUEUED → READY_FOR_PICKUP → PICKED_UP; the order follows.',
    query: `mutation MoveDelivery($orderId: ID!, $status: DeliveryStatus!) {
  updateDeliveryStatus(orderId: $orderId, status: $status) {
    delivery { id status updatedAt }
    errors { code message }
  }
}`,
    variables: { orderId: '<order id>', status: 'IN_TRANSIT' },
    signedIn: true,
  },
];

const headersOf = (op: ReadyOperation) => (op.signedIn ? BEARER : '{}');
const variablesOf = (op: ReadyOperation) => JSON.stringify(op.variables, null, 2);
const CREATED = '2026-01-01T00:00:00.000Z';

/** The gateway's `graphiql` options: a collection of the operations above, and the same as tabs. */
export const adminGraphiQL = {
  title: 'Shop API',
  defaultCollections: [
    {
      id: 'shop-admin',
      name: 'Shop admin',
      description: AUTH_HINT,
      createdAt: CREATED,
      operations: OPERATIONS.map((op, i) => ({
        id: `shop-admin-${i}`,
        name: op.name,
        description: op.description,
        createdAt: CREATED,
        query: `${op.signedIn ? '# Headers: {"Authorization": "Bearer <accessToken from Sign in>"}' : AUTH_COMMENT}\n${op.query}`,
        variables: variablesOf(op),
        headers: headersOf(op),
        extensions: '{}',
      })),
    },
  ],
  defaultQuery: `${AUTH_COMMENT}\n${OPERATIONS[0]!.query}\n`,
  defaultTabs: OPERATIONS.map((op) => ({ query: `# ${op.name}: ${op.description}\n${op.query}`, variables: variablesOf(op), headers: headersOf(op) })),
};
