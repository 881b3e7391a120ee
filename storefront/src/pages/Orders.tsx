// Order history, one order whose status moves live, and the notification list.
import { useEffect, useState } from 'preact/hooks';
import { request, subscribe, type Transport } from '../api/client';
import { CANCEL_ORDER, MARK_READ, MY_ORDERS, NOTIFICATIONS, ORDER, ORDER_STATUS_CHANGED } from '../api/operations';
import { Errors, formatAddress, Page, type UserErrorItem } from '../components';
import type { OrderFieldsFragment, OrderStatus } from '../gql/graphql';
import { describe, unreadCount, useAsync } from '../hooks';
import { dateTime, money, t } from '../i18n';

export function Orders() {
  const { data, error } = useAsync(() => request(MY_ORDERS, {}), []);
  return (
    <Page title={t('orders.title')}>
      <Errors text={error} />
      {data && !data.myOrders.edges.length && <p>{t('orders.empty')}</p>}
      <ul class="lines" data-testid="orders">
        {data?.myOrders.edges.map(({ node }) => (
          <li key={node.id}>
            <a href={`/orders/${node.id}`}>{dateTime(node.createdAt)}</a>
            <span>{t(`status.${node.status}`)}</span>
            <span>{money(node.total)}</span>
          </li>
        ))}
      </ul>
    </Page>
  );
}

// Until SHIPPED or picked up (the API refuses later cancels with INVALID_STATE anyway).
const CANCELLABLE: OrderStatus[] = ['PENDING', 'CONFIRMED', 'READY_FOR_PICKUP'];

export function Order({ id }: { id: string }) {
  const { data, error, reload } = useAsync(() => request(ORDER, { id }), [id]);
  const [order, setOrder] = useState<OrderFieldsFragment | null>(null);
  const [transport, setTransport] = useState<Transport | null>(null);
  const [errors, setErrors] = useState<UserErrorItem[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => setOrder(data?.order ?? null), [data]);
  // The event carries the new status at once; the order is read again for its history and delivery.
  useEffect(() => subscribe(ORDER_STATUS_CHANGED, { orderId: id }, ({ orderStatusChanged }) => {
    setOrder((o) => (o ? { ...o, status: orderStatusChanged.status } : o));
    reload();
  }, setTransport), [id]);

  const cancel = async () => {
    try {
      const { cancelOrder } = await request(CANCEL_ORDER, { id });
      setErrors(cancelOrder.errors);
      setFailure(null);
      if (cancelOrder.order) setOrder(cancelOrder.order);
    } catch (e) {
      setFailure(describe(e));
    }
  };

  if (error) return <Page title={t('order.title')}><Errors text={error} /></Page>;
  if (!data) return <p role="status">{t('showcase.loading')}</p>;
  if (!order) return <Page title={t('order.title')}><p>{t('error.NOT_FOUND')}</p></Page>;
  return (
    <Page title={`${t('order.title')} ${order.id.slice(0, 8)}`}>
      <p class="status">
        {t('order.status')}: <strong data-testid="order-status" data-status={order.status} aria-live="polite">{t(`status.${order.status}`)}</strong>
        {transport && <small data-testid="live" data-transport={transport}> · {t('order.live')}</small>}
      </p>
      {order.failureReason && <Errors errors={[{ code: order.failureReason, message: '' }]} />}
      <h2>{t('order.items')}</h2>
      <ul class="lines">
        {order.items.map((item) => (
          <li key={item.productName}><span>{item.productName}</span><span>× {item.quantity}</span><span>{money(item.lineTotal)}</span></li>
        ))}
      </ul>
      <p class="total">{t('cart.total')}: <strong>{money(order.total)}</strong></p>
      <h2>{t('order.delivery')}</h2>
      <p>
        {t(order.deliveryMethod === 'COURIER' ? 'checkout.courier' : 'checkout.pickup')}
        {order.delivery?.address && ` · ${formatAddress(order.delivery.address)}`}
        {order.delivery?.pickupPoint && ` · ${order.delivery.pickupPoint.name}`}
      </p>
      <h2>{t('order.history')}</h2>
      <ol>
        {order.statusHistory.map((change) => <li key={change.at + change.status}>{dateTime(change.at)} — {t(`status.${change.status}`)}</li>)}
      </ol>
      <Errors errors={errors} text={failure} />
      {CANCELLABLE.includes(order.status) && <button type="button" onClick={() => void cancel()}>{t('order.cancel')}</button>}
    </Page>
  );
}

export function Notifications() {
  const { data, error, reload } = useAsync(() => request(NOTIFICATIONS, {}), []);
  const [failure, setFailure] = useState<string | null>(null);
  const mark = async (ids: string[] | null) => {
    try {
      const { markNotificationsRead } = await request(MARK_READ, { ids });
      const left = ids ? Math.max(0, unreadCount.get() - markNotificationsRead.count) : 0;
      unreadCount.set(left);
      reload();
    } catch (e) {
      setFailure(describe(e));
    }
  };
  const edges = data?.myNotifications.edges ?? [];
  return (
    <Page title={t('notifications.title')}>
      <Errors text={error ?? failure} />
      {data && !edges.length && <p>{t('notifications.empty')}</p>}
      {edges.some((e) => !e.node.readAt) && <button type="button" onClick={() => void mark(null)}>{t('notifications.markAll')}</button>}
      <ul class="notifications" data-testid="notifications">
        {edges.map(({ node }) => (
          <li key={node.id} class={node.readAt ? 'read' : 'unread'}>
            <strong>{node.title}</strong> <span>{node.body}</span> <small>{dateTime(node.createdAt)}</small>
            {node.order && <> · <a href={`/orders/${node.order.id}`}>{t('order.title')}</a></>}
            {!node.readAt && <button type="button" onClick={() => void mark([node.id])}>{t('notifications.markRead')}</button>}
          </li>
        ))}
      </ul>
    </Page>
  );
}
