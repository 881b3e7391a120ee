// Every operation the storefront sends, typed by graphql-codegen from router/supergraph.graphql.
import { graphql } from '../gql';

export const SESSION_FIELDS = graphql(`
  fragment SessionFields on AuthPayload {
    accessToken
    refreshToken
    expiresIn
    user { id email displayName roles }
    errors { code field message }
  }
`);

export const REGISTER = graphql(`
  mutation Register($input: RegisterInput!) { register(input: $input) { ...SessionFields } }
`);
export const LOGIN = graphql(`
  mutation Login($input: LoginInput!) { login(input: $input) { ...SessionFields } }
`);
export const REFRESH = graphql(`
  mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { ...SessionFields } }
`);
export const LOGOUT = graphql(`mutation Logout { logout }`);
export const PROVIDERS = graphql(`query Providers { authProviders { id name } }`);
export const START_EXTERNAL = graphql(`
  mutation StartExternal($provider: String!, $redirectUri: String!) {
    startExternalLogin(provider: $provider, redirectUri: $redirectUri) { authorizationUrl state errors { code message } }
  }
`);
export const COMPLETE_EXTERNAL = graphql(`
  mutation CompleteExternal($state: String!, $code: String!) { completeExternalLogin(state: $state, code: $code) { ...SessionFields } }
`);

export const ADDRESS_FIELDS = graphql(`
  fragment AddressFields on Address { recipient phone country city street building apartment postalCode }
`);
export const PROFILE = graphql(`
  query Profile { me { id email displayName defaultAddress { ...AddressFields } externalIdentities { provider email } } }
`);
export const UPDATE_PROFILE = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) { user { id displayName defaultAddress { ...AddressFields } } errors { code field message } }
  }
`);

// Names of every category; `productCount` is the exact count of the unfiltered showcase.
export const CATEGORIES = graphql(`query Categories { categories { id name slug productCount } }`);
export const PRODUCT_CARD = graphql(`
  fragment ProductCard on Product { id name price { amount currency } stock imageUrl category { id name } }
`);
export const PRODUCTS = graphql(`
  query Products($first: Int!, $after: String, $filter: ProductFilter, $sort: ProductSort) {
    products(first: $first, after: $after, filter: $filter, sort: $sort) {
      edges { cursor node { ...ProductCard } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
// The facets of a listing (its category left out, so one request serves every category of it);
// `first: 0` because the page's products come from PRODUCTS, which never asks for facets.
export const FACETS = graphql(`
  query Facets($filter: ProductFilter) {
    products(first: 0, filter: $filter) {
      facets { total totalIsExact inStock categories { count category { id name } } }
    }
  }
`);
export const SEARCH_SUGGESTIONS = graphql(`
  query SearchSuggestions($prefix: String!, $first: Int) {
    searchSuggestions(prefix: $prefix, first: $first) { text product { id } category { id } }
  }
`);
export const PRODUCT = graphql(`
  query Product($id: ID!) { product(id: $id) { ...ProductCard description } }
`);

export const WALLET = graphql(`
  query Wallet($after: String) {
    myWallet {
      id
      balance { amount currency }
      transactions(first: 20, after: $after) {
        edges { node { id kind amount { amount currency } balanceAfter { amount currency } orderId createdAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);
export const TOP_UP = graphql(`
  mutation TopUp($input: TopUpWalletInput!) {
    topUpWallet(input: $input) { wallet { id balance { amount currency } } errors { code field message } }
  }
`);

export const CART_FIELDS = graphql(`
  fragment CartFields on Cart {
    itemCount
    total { amount currency }
    items { quantity unitPrice { amount currency } lineTotal { amount currency } product { id name stock } }
  }
`);
export const CART = graphql(`query Cart { cart { ...CartFields } }`);
export const ADD_TO_CART = graphql(`
  mutation AddToCart($productId: ID!, $quantity: Int!) {
    addToCart(productId: $productId, quantity: $quantity) { cart { ...CartFields } errors { code field message } }
  }
`);
export const UPDATE_CART_ITEM = graphql(`
  mutation UpdateCartItem($productId: ID!, $quantity: Int!) {
    updateCartItem(productId: $productId, quantity: $quantity) { cart { ...CartFields } errors { code field message } }
  }
`);
export const CHECKOUT_OPTIONS = graphql(`
  query CheckoutOptions {
    pickupPoints { id name openingHours address { ...AddressFields } }
    me { id defaultAddress { ...AddressFields } }
  }
`);
export const PLACE_ORDER = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) { order { id status failureReason } errors { code field message } }
  }
`);

export const ORDER_FIELDS = graphql(`
  fragment OrderFields on Order {
    id status deliveryMethod failureReason createdAt
    total { amount currency }
    items { productName quantity lineTotal { amount currency } }
    statusHistory { status at }
    delivery { status address { ...AddressFields } pickupPoint { name } }
  }
`);
export const MY_ORDERS = graphql(`
  query MyOrders($after: String) {
    myOrders(first: 20, after: $after) {
      edges { node { id status createdAt total { amount currency } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
export const ORDER = graphql(`query Order($id: ID!) { order(id: $id) { ...OrderFields } }`);
export const CANCEL_ORDER = graphql(`
  mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { order { ...OrderFields } errors { code message } } }
`);
export const ORDER_STATUS_CHANGED = graphql(`
  subscription OrderStatusChanged($orderId: ID!) { orderStatusChanged(orderId: $orderId) { status at } }
`);

export const UNREAD_COUNT = graphql(`query UnreadCount { unreadNotificationCount }`);
export const NOTIFICATIONS = graphql(`
  query Notifications($after: String) {
    myNotifications(first: 20, after: $after) {
      edges { node { id kind title body createdAt readAt order { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
export const MARK_READ = graphql(`
  mutation MarkRead($ids: [ID!]) { markNotificationsRead(ids: $ids) { count errors { code message } } }
`);
export const NOTIFICATION_ADDED = graphql(`subscription NotificationAdded { notificationAdded { id title } }`);
