// Controls used on every page: labelled fields, error lists read out by screen readers, addresses.
import type { ComponentChildren } from 'preact';
import type { AddressFieldsFragment, AddressInput } from './gql/graphql';
import { errorText, t } from './i18n';

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'number';
  required?: boolean;
  autoComplete?: string;
}

export function Field({ label, name, value, onInput, type = 'text', required, autoComplete }: FieldProps) {
  const id = `field-${name}`;
  return (
    <p class="field">
      <label for={id}>{label}</label>
      {/* `as` because Preact types each input type apart; all four take the same attributes here. */}
      <input id={id} name={name} type={type as 'text'} value={value} required={required} autoComplete={autoComplete}
        onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
    </p>
  );
}

export interface UserErrorItem {
  code: string;
  message: string;
}

/** Payload errors (or one sentence) as an alert, so assistive technology announces them. */
export function Errors({ errors, text }: { errors?: UserErrorItem[] | null; text?: string | null }) {
  const lines = [...(errors ?? []).map((e) => errorText(e.code, e.message)), ...(text ? [text] : [])];
  if (!lines.length) return null;
  return (
    <div role="alert" class="errors" data-testid="errors">
      {lines.map((line) => <p key={line}>{line}</p>)}
    </div>
  );
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  document.title = `${title} · ${t('shop.title')}`;
  return (
    <section class="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}

export const ADDRESS_KEYS = ['recipient', 'phone', 'country', 'city', 'street', 'building', 'apartment', 'postalCode'] as const;
const REQUIRED = new Set(['recipient', 'country', 'city', 'street', 'postalCode']);

export type AddressDraft = Record<(typeof ADDRESS_KEYS)[number], string>;

export function toDraft(address?: AddressFieldsFragment | null): AddressDraft {
  return Object.fromEntries(ADDRESS_KEYS.map((key) => [key, address?.[key] ?? ''])) as AddressDraft;
}

export function toInput(draft: AddressDraft): AddressInput {
  const optional = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    recipient: draft.recipient.trim(), country: draft.country.trim(), city: draft.city.trim(),
    street: draft.street.trim(), postalCode: draft.postalCode.trim(),
    phone: optional(draft.phone), building: optional(draft.building), apartment: optional(draft.apartment),
  };
}

export function AddressForm({ legend, draft, onChange }: { legend: string; draft: AddressDraft; onChange: (d: AddressDraft) => void }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {ADDRESS_KEYS.map((key) => (
        <Field key={key} label={t(`addr.${key}`)} name={key} value={draft[key]} required={REQUIRED.has(key)}
          onInput={(value) => onChange({ ...draft, [key]: value })} />
      ))}
    </fieldset>
  );
}

export function formatAddress(a: AddressFieldsFragment): string {
  return [a.recipient, a.postalCode, a.city, a.street, a.building, a.apartment].filter(Boolean).join(', ');
}
