// The showcase's narrowing controls with their counts (category, in stock only) and the listing's total.
import type { CategoriesQuery, FacetsQuery } from '../gql/graphql';
import { count, t } from '../i18n';

type Facets = FacetsQuery['products']['facets'];
type Categories = CategoriesQuery['categories'];

interface Row {
  id: string;
  name: string;
  hits: number | null;
}

/** "12", or "about 12 000" when the API estimated it. */
function amount(hits: number, exact: boolean): string {
  return exact ? count(hits) : t('showcase.about', { n: count(hits) });
}

/**
 * The options of the category list. The unfiltered showcase uses each category's own
 * `productCount` (exact at any size; facets estimate above 10,000 hits); a search or the stock
 * toggle uses the facets, most hits first. Until they arrive the names show without counts, and
 * the chosen category stays listed even when the search has no hit in it.
 */
function rows(categories: Categories | undefined, facets: Facets | undefined, landing: boolean, chosen: string): Row[] {
  let out: Row[];
  if (landing && categories) out = categories.map((c) => ({ id: c.id, name: c.name, hits: c.productCount }));
  else if (facets) out = facets.categories.map((f) => ({ id: f.category.id, name: f.category.name, hits: f.count }));
  else out = (categories ?? []).map((c) => ({ id: c.id, name: c.name, hits: null }));
  if (chosen && !out.some((r) => r.id === chosen)) {
    const known = categories?.find((c) => c.id === chosen);
    if (known) out.push({ id: known.id, name: known.name, hits: facets ? 0 : null });
  }
  return out;
}

interface Props {
  categoryId: string;
  inStock: boolean;
  /** No words and no stock toggle: the whole showcase. */
  landing: boolean;
  categories?: Categories;
  /** The current listing's facets; undefined while they load. */
  facets?: Facets;
  onCategory: (id: string) => void;
  onInStock: (on: boolean) => void;
}

export function Filters({ categoryId, inStock, landing, categories, facets, onCategory, onInStock }: Props) {
  const exact = landing || (facets?.totalIsExact ?? true);
  return (
    <>
      <p class="field">
        <label for="category">{t('showcase.category')}</label>
        <select id="category" value={categoryId} onChange={(e) => onCategory((e.target as HTMLSelectElement).value)}>
          <option value="">{t('showcase.allCategories')}</option>
          {rows(categories, facets, landing, categoryId).map((r) => (
            <option key={r.id} value={r.id}>{r.hits === null ? r.name : `${r.name} (${amount(r.hits, exact)})`}</option>
          ))}
        </select>
      </p>
      <p class="field toggle">
        <label>
          <input type="checkbox" checked={inStock} onChange={(e) => onInStock((e.target as HTMLInputElement).checked)} />
          {` ${t('showcase.inStock')}`}
          {/* Facets count stock over every category: shown where that is what the toggle would list. */}
          {facets && !categoryId && <span data-testid="in-stock-count">{` (${amount(facets.inStock, facets.totalIsExact)})`}</span>}
        </label>
      </p>
    </>
  );
}

/** How many the list holds: the chosen category's count, else the total; announced politely after a search. */
export function Total({ categoryId, landing, categories, facets }: Pick<Props, 'categoryId' | 'landing' | 'categories' | 'facets'>) {
  const exact = landing || (facets?.totalIsExact ?? true);
  let hits: number | null | undefined;
  if (categoryId) hits = rows(categories, facets, landing, categoryId).find((r) => r.id === categoryId)?.hits;
  else hits = landing && categories ? categories.reduce((sum, c) => sum + c.productCount, 0) : facets?.total;
  return (
    <p class="total" aria-live="polite" data-testid="total">
      {hits !== undefined && hits !== null && t('showcase.found', { n: amount(hits, exact) })}
    </p>
  );
}
