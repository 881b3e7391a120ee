// The shopper's profile (name, default address) and wallet (balance, top-up, history).
import { useEffect, useState } from 'preact/hooks';
import { request } from '../api/client';
import { PROFILE, TOP_UP, UPDATE_PROFILE, WALLET } from '../api/operations';
import { AddressForm, Errors, Field, Page, toDraft, toInput, type AddressDraft, type UserErrorItem } from '../components';
import { describe, useAsync } from '../hooks';
import { dateTime, money, t } from '../i18n';

export function Profile() {
  const { data, error } = useAsync(() => request(PROFILE), []);
  const [name, setName] = useState('');
  const [address, setAddress] = useState<AddressDraft>(toDraft());
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!data?.me) return;
    setName(data.me.displayName);
    setAddress(toDraft(data.me.defaultAddress));
  }, [data]);

  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    try {
      const { updateProfile } = await request(UPDATE_PROFILE, { input: { displayName: name, defaultAddress: toInput(address) } });
      setErrors(updateProfile.errors);
      setSaved(updateProfile.errors.length === 0);
      setFailure(null);
    } catch (e) {
      setFailure(describe(e));
    }
  };

  return (
    <Page title={t('profile.title')}>
      <Errors text={error} />
      {data?.me && <p>{data.me.email}</p>}
      <form onSubmit={save} class="narrow">
        <Field label={t('auth.name')} name="displayName" value={name} onInput={setName} required />
        <AddressForm legend={t('profile.address')} draft={address} onChange={setAddress} />
        <Errors errors={errors} text={failure} />
        <button type="submit">{t('profile.save')}</button>
        {saved && <p role="status">{t('profile.saved')}</p>}
      </form>
    </Page>
  );
}

const newKey = () => crypto.randomUUID();

export function Wallet() {
  const { data, error, reload } = useAsync(() => request(WALLET, {}), []);
  const [amount, setAmount] = useState('');
  // One key per intended top-up: a repeated click or a retry after a lost answer pays once.
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);

  const topUp = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { topUpWallet } = await request(TOP_UP, { input: { amount: amount.replace(',', '.'), idempotencyKey: key } });
      setErrors(topUpWallet.errors);
      setFailure(null);
      if (!topUpWallet.errors.length) {
        setKey(newKey());
        setAmount('');
        reload();
      }
    } catch (e) {
      setFailure(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const wallet = data?.myWallet;
  return (
    <Page title={t('wallet.title')}>
      <Errors text={error} />
      {wallet && <p class="balance">{t('wallet.balance')}: <strong data-testid="balance">{money(wallet.balance)}</strong></p>}
      <form onSubmit={topUp} class="inline">
        <Field label={t('wallet.amount')} name="amount" type="text" value={amount} required
          onInput={(value) => { setAmount(value); setKey(newKey()); }} />
        <button type="submit" disabled={busy}>{t('wallet.topUp')}</button>
      </form>
      <Errors errors={errors} text={failure} />
      <h2>{t('wallet.history')}</h2>
      {wallet && !wallet.transactions.edges.length && <p>{t('wallet.empty')}</p>}
      <table data-testid="transactions">
        <tbody>
          {wallet?.transactions.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>{dateTime(node.createdAt)}</td>
              <td>{t(`kind.${node.kind}`)}</td>
              <td>{money(node.amount)}</td>
              <td>{money(node.balanceAfter)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
