// The showcase: search with suggestions, category filter and stock toggle with counts, sorts, infinite scroll.
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api/client';
import { CATEGORIES, FACETS, PRODUCTS } from '../api/operations';
import { Errors, Page } from '../components';
import type { ProductCardFragment, ProductSort } from '../gql/graphql';
import { describe, useAsync } from '../hooks';
import { money, t } from '../i18n';
import { navigate, useLocation } from '../router';
import { Filters, Total } from './Filters';
import { SearchBox } from './SearchBox';

const PAGE_SIZE = 20;
const SORTS: ProductSort[] = ['RELEVANCE', 'NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC'];

/** The URL holds the showcase's state, so a search can be shared and the back button works. */
function setParams(url: URL, values: Record<string, string>): void {
  const next = new URL(url);
  for (const [name, value] of Object.entries(values)) {
    if (value) next.searchParams.set(name, value);
    else next.searchParams.delete(name);
  }
  navigate(next.pathname + next.search, true);
}

export function Showcase() {
  const url = useLocation();
  const search = url.searchParams.get('q') ?? '';
  const categoryId = url.searchParams.get('category') ?? '';
  const inStock = url.searchParams.get('stock') === '1';
  const sort = (url.searchParams.get('sort') as ProductSort | null) ?? (search ? 'RELEVANCE' : 'NEWEST');
  const categories = useAsync(() => request(CATEGORIES), []);
  // Facets leave the category out: a new category or sort keeps them, only words or stock ask again.
  const facets = useAsync(() => request(FACETS, { filter: { search: search || null, inStockOnly: inStock || null } }), [search, inStock]);
  const counts = {
    landing: !search && !inStock,
    categories: categories.data?.categories,
    facets: facets.loading ? undefined : facets.data?.products.facets, // never the previous search's
  };
  const [items, setItems] = useState<ProductCardFragment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const load = async (after: string | null) => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const filter = { search: search || null, categoryId: categoryId || null, inStockOnly: inStock || null };
      const { products } = await request(PRODUCTS, { first: PAGE_SIZE, after, filter, sort });
      if (mine !== generation.current) return;
      const nodes = products.edges.map((e) => e.node);
      setItems((old) => (after ? [...old, ...nodes] : nodes));
      setNext(products.pageInfo.hasNextPage ? products.pageInfo.endCursor : null);
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(describe(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  useEffect(() => void load(null), [search, categoryId, sort, inStock]);

  // Infinite scroll: the next page is asked for when the end of the grid comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!sentinel.current || !next || loading) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void load(next);
    }, { rootMargin: '200px' });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [next, loading]);

  return (
    <Page title={t('nav.showcase')}>
      <div class="filters" role="search">
        <SearchBox value={search} onSearch={(q) => setParams(url, { q })} onCategory={(category) => setParams(url, { q: '', category })} />
        <Filters categoryId={categoryId} inStock={inStock} {...counts}
          onCategory={(category) => setParams(url, { category })} onInStock={(on) => setParams(url, { stock: on ? '1' : '' })} />
        <p class="field">
          <label for="sort">{t('showcase.sort')}</label>
          <select id="sort" value={sort} onChange={(e) => setParams(url, { sort: (e.target as HTMLSelectElement).value })}>
            {SORTS.map((s) => <option key={s} value={s}>{t(`sort.${s}`)}</option>)}
          </select>
        </p>
      </div>
      <Total categoryId={categoryId} {...counts} />
      <Errors text={error ?? categories.error} />
      <ul class="grid" data-testid="product-grid" aria-busy={loading}>
        {items.map((p) => (
          <li key={p.id} class="card" data-testid="product-card">
            <a href={`/products/${p.id}`}>
              {p.imageUrl ? <img src={p.imageUrl} alt="" loading="lazy" width={160} height={120} /> : <div class="noimage" aria-hidden="true" />}
              <span class="name">{p.name}</span>
            </a>
            <span class="price">{money(p.price)}</span>
            <span class="stock">{p.stock > 0 ? t('product.stock', { n: p.stock }) : t('product.outOfStock')}</span>
          </li>
        ))}
      </ul>
      {!loading && !error && items.length === 0 && <p>{t('showcase.empty')}</p>}
      {loading && <p role="status">{t('showcase.loading')}</p>}
      <div ref={sentinel} />
      {next && !loading && <button type="button" onClick={() => void load(next)}>{t('showcase.more')}</button>}
    </Page>
  );
}
