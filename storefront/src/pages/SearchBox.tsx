// The search box: suggestions as you type (`searchSuggestions`), in the ARIA 1.2 combobox pattern.
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api/client';
import { SEARCH_SUGGESTIONS } from '../api/operations';
import type { SearchSuggestionsQuery } from '../gql/graphql';
import { t } from '../i18n';
import { navigate } from '../router';

type Suggestion = SearchSuggestionsQuery['searchSuggestions'][number];

/** Typing pauses this long before a suggestion request: one request per pause, not per key. */
const DEBOUNCE_MS = 150;
/** The API answers nothing below this many characters; no request is sent for them. */
const MIN_PREFIX = 2;
const SHOWN = 8;

interface Props {
  value: string;
  onSearch: (text: string) => void;
  onCategory: (categoryId: string) => void;
}

/**
 * A product suggestion opens the product, a category one filters by it, any other searches its
 * text; Enter with none chosen searches what is typed. Replies come back in any order: each text
 * change numbers a new generation and only the reply of the current one is shown.
 */
export function SearchBox({ value, onSearch, onCategory }: Props) {
  const [text, setText] = useState(value);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(-1);
  const generation = useRef(0);
  useEffect(() => setText(value), [value]);

  const close = () => {
    generation.current++; // a reply still on its way must not open the list again
    setSuggestions([]);
    setActive(-1);
  };

  useEffect(() => {
    const mine = ++generation.current;
    const prefix = text.trim();
    if (prefix.length < MIN_PREFIX || prefix === value) {
      setSuggestions([]);
      setActive(-1);
      return;
    }
    const timer = setTimeout(() => {
      request(SEARCH_SUGGESTIONS, { prefix, first: SHOWN }).then(
        (data) => {
          if (mine !== generation.current) return;
          setSuggestions(data.searchSuggestions);
          setActive(-1);
        },
        () => mine === generation.current && setSuggestions([]), // suggestions are an aid: no error shown
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const choose = (chosen: Suggestion | undefined) => {
    close();
    if (chosen?.product) {
      navigate(`/products/${chosen.product.id}`);
    } else if (chosen?.category) {
      setText('');
      onCategory(chosen.category.id);
    } else {
      const query = (chosen?.text ?? text).trim();
      setText(query);
      onSearch(query);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const count = suggestions.length;
    if (event.key === 'ArrowDown' && count) {
      event.preventDefault();
      setActive((i) => (i + 1) % count);
    } else if (event.key === 'ArrowUp' && count) {
      event.preventDefault();
      setActive((i) => (i <= 0 ? count - 1 : i - 1));
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (count) close();
      else setText(''); // a second Escape empties the box, as a native search field does
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(suggestions[active]);
    }
  };

  return (
    <div class="field search">
      <label for="search">{t('showcase.search')}</label>
      {/* Preact's types tie role="combobox" to a `list` attribute; this is the ARIA 1.2 combobox pattern. */}
      <input id="search" type="search" {...({ role: 'combobox' } as object)} autoComplete="off" value={text}
        aria-expanded={suggestions.length > 0} aria-controls="suggestions" aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
        onInput={(e) => setText((e.target as HTMLInputElement).value)} onKeyDown={onKeyDown} onBlur={close} />
      <ul id="suggestions" role="listbox" aria-label={t('showcase.suggestions')} hidden={!suggestions.length}>
        {suggestions.map((s, i) => (
          <li key={`${s.product?.id ?? s.category?.id ?? s.text}`} id={`suggestion-${i}`} role="option" aria-selected={i === active}
            data-kind={s.product ? 'product' : s.category ? 'category' : 'text'}
            // mousedown, not click: the input keeps focus, so its blur does not close the list first
            onMouseDown={(e) => { e.preventDefault(); choose(s); }}>
            {s.text}
            {s.category && <span class="kind">{` · ${t('showcase.categorySuggestion')}`}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
