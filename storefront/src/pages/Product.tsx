// One product: description, price, stock, and adding it to the cart.
import { useState } from 'preact/hooks';
import { request } from '../api/client';
import { ADD_TO_CART, PRODUCT } from '../api/operations';
import { Errors, Page, type UserErrorItem } from '../components';
import { cartCount, describe, useAsync, useUser } from '../hooks';
import { money, t } from '../i18n';
import { navigate } from '../router';

export function Product({ id }: { id: string }) {
  const user = useUser();
  const { data, error } = useAsync(() => request(PRODUCT, { id }), [id]);
  const [quantity, setQuantity] = useState('1');
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [added, setAdded] = useState(false);
  const product = data?.product;
  if (error) return <Page title={t('product.notFound')}><Errors text={error} /></Page>;
  if (!data) return <p role="status">{t('showcase.loading')}</p>;
  if (!product) return <Page title={t('product.notFound')}><a href="/">{t('nav.showcase')}</a></Page>;

  const add = async (event: Event) => {
    event.preventDefault();
    if (!user) return navigate(`/login?next=/products/${id}`);
    setAdded(false);
    try {
      const { addToCart } = await request(ADD_TO_CART, { productId: id, quantity: Number(quantity) || 1 });
      setErrors(addToCart.errors);
      setFailure(null);
      if (addToCart.cart) {
        cartCount.set(addToCart.cart.itemCount);
        setAdded(addToCart.errors.length === 0);
      }
    } catch (e) {
      setFailure(describe(e));
    }
  };

  return (
    <Page title={product.name}>
      <div class="product">
        {product.imageUrl ? <img src={product.imageUrl} alt={product.name} width={320} height={240} /> : <div class="noimage large" aria-hidden="true" />}
        <div>
          <p class="price" data-testid="price">{money(product.price)}</p>
          <p>{product.category.name}</p>
          <p>{product.stock > 0 ? t('product.stock', { n: product.stock }) : t('product.outOfStock')}</p>
          <p class="description">{product.description}</p>
          <form onSubmit={add}>
            <p class="field">
              <label for="quantity">{t('product.quantity')}</label>
              <input id="quantity" type="number" min={1} max={Math.max(product.stock, 1)} value={quantity}
                onInput={(e) => setQuantity((e.target as HTMLInputElement).value)} />
            </p>
            <button type="submit" disabled={product.stock <= 0}>{t('product.add')}</button>
          </form>
          <Errors errors={errors} text={failure} />
          {added && <p role="status">{t('product.added')} · <a href="/cart">{t('nav.cart')}</a></p>}
        </div>
      </div>
    </Page>
  );
}
