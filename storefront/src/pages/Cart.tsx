// The cart with live totals, and checkout: courier to an address (the default prefilled) or pickup.
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api/client';
import { CART, CHECKOUT_OPTIONS, PLACE_ORDER, UPDATE_CART_ITEM } from '../api/operations';
import { AddressForm, Errors, Page, toDraft, toInput, type AddressDraft, type UserErrorItem } from '../components';
import type { CartFieldsFragment, DeliveryMethod } from '../gql/graphql';
import { cartCount, describe, useAsync } from '../hooks';
import { money, t } from '../i18n';
import { navigate } from '../router';

export function Cart() {
  const loaded = useAsync(() => request(CART), []);
  const [cart, setCart] = useState<CartFieldsFragment | null>(null);
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    if (!loaded.data) return;
    setCart(loaded.data.cart);
    cartCount.set(loaded.data.cart.itemCount);
  }, [loaded.data]);

  const change = async (productId: string, quantity: number) => {
    try {
      const { updateCartItem } = await request(UPDATE_CART_ITEM, { productId, quantity });
      setErrors(updateCartItem.errors);
      setFailure(null);
      if (updateCartItem.cart) {
        setCart(updateCartItem.cart);
        cartCount.set(updateCartItem.cart.itemCount);
      }
    } catch (e) {
      setFailure(describe(e));
    }
  };

  return (
    <Page title={t('cart.title')}>
      <Errors text={loaded.error} />
      {cart && !cart.items.length && <p>{t('cart.empty')} · <a href="/">{t('nav.showcase')}</a></p>}
      {cart && cart.items.length > 0 && (
        <>
          <ul class="lines" data-testid="cart-lines">
            {cart.items.map((item) => (
              <li key={item.product.id}>
                <a href={`/products/${item.product.id}`}>{item.product.name}</a>
                <span>{money(item.unitPrice)}</span>
                <label>
                  <span class="visually-hidden">{t('cart.quantityOf', { name: item.product.name })}</span>
                  <input type="number" min={0} value={item.quantity}
                    onChange={(e) => void change(item.product.id, Number((e.target as HTMLInputElement).value))} />
                </label>
                <span>{money(item.lineTotal)}</span>
                <button type="button" onClick={() => void change(item.product.id, 0)}>{t('cart.remove')}</button>
              </li>
            ))}
          </ul>
          <p class="total">{t('cart.total')}: <strong data-testid="cart-total">{money(cart.total)}</strong></p>
          <Errors errors={errors} text={failure} />
          <Checkout />
        </>
      )}
    </Page>
  );
}

function Checkout() {
  const options = useAsync(() => request(CHECKOUT_OPTIONS), []);
  const [method, setMethod] = useState<DeliveryMethod>('COURIER');
  const [address, setAddress] = useState<AddressDraft>(toDraft());
  const [point, setPoint] = useState('');
  // One key per checkout attempt: a double click or a retry never makes a second order.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    if (!options.data) return;
    setAddress(toDraft(options.data.me?.defaultAddress));
    setPoint(options.data.pickupPoints[0]?.id ?? '');
  }, [options.data]);

  const place = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const delivery = method === 'COURIER' ? { method, address: toInput(address) } : { method, pickupPointId: point };
      const { placeOrder } = await request(PLACE_ORDER, { input: { idempotencyKey: key, delivery } });
      setFailure(null);
      setErrors(placeOrder.errors);
      setKey(crypto.randomUUID());
      if (placeOrder.order && !placeOrder.errors.length) {
        cartCount.set(0);
        navigate(`/orders/${placeOrder.order.id}`);
      }
    } catch (e) {
      setFailure(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={place} class="checkout" aria-labelledby="checkout-title">
      <h2 id="checkout-title">{t('checkout.title')}</h2>
      <fieldset>
        <legend>{t('checkout.method')}</legend>
        {(['COURIER', 'PICKUP'] as const).map((m) => (
          <label key={m} class="choice">
            <input type="radio" name="method" value={m} checked={method === m} onChange={() => setMethod(m)} />
            {t(m === 'COURIER' ? 'checkout.courier' : 'checkout.pickup')}
          </label>
        ))}
      </fieldset>
      {method === 'COURIER' && <AddressForm legend={t('order.delivery')} draft={address} onChange={setAddress} />}
      {method === 'PICKUP' && (
        <p class="field">
          <label for="point">{t('checkout.point')}</label>
          <select id="point" value={point} onChange={(e) => setPoint((e.target as HTMLSelectElement).value)}>
            {options.data?.pickupPoints.map((p) => (
              <option key={p.id} value={p.id}>{`${p.name} — ${p.address.city}, ${p.address.street}`}</option>
            ))}
          </select>
        </p>
      )}
      <Errors errors={errors} text={failure ?? options.error} />
      {/* Enabled once the pickup points and the default address are in the form. */}
      <button type="submit" disabled={busy || !options.data}>{t('checkout.place')}</button>
    </form>
  );
}
