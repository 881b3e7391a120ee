// The showcase: search with suggestions, category filter with counts, sorts, infinite scroll.
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api/client';
import { CATEGORIES, PRODUCTS } from '../api/operations';
import { Errors, Page } from '../components';
import type { ProductCardFragment, ProductSort } from '../gql/graphql';
import { describe, useAsync } from '../hooks';
import { money, t } from '../i18n';
import { navigate, useLocation } from '../router';

const PAGE_SIZE = 20;
const SORTS: ProductSort[] = ['RELEVANCE', 'NEWEST', 'NAME', 'PRICE_ASC', 'PRICE_DESC'];

/** The URL holds the showcase's state, so a search can be shared and the back button works. */
function setParam(url: URL, name: string, value: string): void {
  const next = new URL(url);
  if (value) next.searchParams.set(name, value);
  else next.searchParams.delete(name);
  navigate(next.pathname + next.search, true);
}

export function Showcase() {
  const url = useLocation();
  const search = url.searchParams.get('q') ?? '';
  const categoryId = url.searchParams.get('category') ?? '';
  const sort = (url.searchParams.get('sort') as ProductSort | null) ?? (search ? 'RELEVANCE' : 'NEWEST');
  const categories = useAsync(() => request(CATEGORIES), []);
  const [items, setItems] = useState<ProductCardFragment[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const load = async (after: string | null) => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const filter = { search: search || null, categoryId: categoryId || null };
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

  useEffect(() => void load(null), [search, categoryId, sort]);

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
        <SearchBox value={search} onSearch={(q) => setParam(url, 'q', q)} />
        <p class="field">
          <label for="category">{t('showcase.category')}</label>
          <select id="category" value={categoryId} onChange={(e) => setParam(url, 'category', (e.target as HTMLSelectElement).value)}>
            <option value="">{t('showcase.allCategories')}</option>
            {/* Facet counts: the categories' productCount until ProductConnection.facets exists. */}
            {categories.data?.categories.map((c) => <option key={c.id} value={c.id}>{`${c.name} (${c.productCount})`}</option>)}
          </select>
        </p>
        <p class="field">
          <label for="sort">{t('showcase.sort')}</label>
          <select id="sort" value={sort} onChange={(e) => setParam(url, 'sort', (e.target as HTMLSelectElement).value)}>
            {SORTS.map((s) => <option key={s} value={s}>{t(`sort.${s}`)}</option>)}
          </select>
        </p>
      </div>
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

/** A combobox: suggestions as you type (products matching so far), Enter searches. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [suggestions, setSuggestions] = useState<ProductCardFragment[]>([]);
  const [active, setActive] = useState(-1);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    const query = text.trim();
    if (query.length < 2 || query === value) return setSuggestions([]);
    const timer = setTimeout(async () => {
      // Switch to `searchSuggestions(prefix)` here once the showcase issue lands it.
      const { products } = await request(PRODUCTS, { first: 5, filter: { search: query }, sort: 'RELEVANCE' }).catch(() => ({ products: { edges: [] } }));
      setSuggestions(products.edges.map((e) => e.node));
      setActive(-1);
    }, 200);
    return () => clearTimeout(timer);
  }, [text]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' && suggestions.length) {
      event.preventDefault();
      setActive((i) => (i + 1) % suggestions.length);
    } else if (event.key === 'ArrowUp' && suggestions.length) {
      event.preventDefault();
      setActive((i) => (i <= 0 ? suggestions.length - 1 : i - 1));
    } else if (event.key === 'Escape') {
      setSuggestions([]);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = suggestions[active];
      setSuggestions([]);
      if (chosen) navigate(`/products/${chosen.id}`);
      else onSearch(text.trim());
    }
  };

  return (
    <div class="field search">
      <label for="search">{t('showcase.search')}</label>
      {/* Preact's types tie role="combobox" to a `list` attribute; this is the ARIA 1.2 combobox pattern. */}
      <input id="search" type="search" {...({ role: 'combobox' } as object)} autoComplete="off" value={text}
        aria-expanded={suggestions.length > 0} aria-controls="suggestions" aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
        onInput={(e) => setText((e.target as HTMLInputElement).value)} onKeyDown={onKeyDown} />
      <ul id="suggestions" role="listbox" aria-label={t('showcase.suggestions')} hidden={!suggestions.length}>
        {suggestions.map((s, i) => (
          <li key={s.id} id={`suggestion-${i}`} role="option" aria-selected={i === active}
            onMouseDown={(e) => { e.preventDefault(); setSuggestions([]); navigate(`/products/${s.id}`); }}>
            {s.name}
          </li>
        ))}
      </ul>
    </div>
  );
}
