/**
 * Steps the HTTP flow specs share: the seed's settings for a seller and a vendor, a read once the
 * system is quiet, and a POST that must answer a given status. Each takes the api as a getter,
 * since the specs start a fresh one per test.
 */
import { Answer } from './api-harness';

/** Takes short orders, buys the shortfall automatically and receives handovers automatically. */
export const SELLER_SETTINGS = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };
/** A vendor purchasing may buy from. */
export const VENDOR_SETTINGS = { isB2bNew: true, vendorPanelType: 2 };

interface Api {
  request<T = any>(method: string, url: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer<T>>;
  post<T = any>(url: string, body?: unknown): Promise<Answer<T>>;
  settle(): Promise<bigint | undefined>;
}

/** GET once the log is quiet and the read models have all of it: the body of a 200, or it throws. */
export const settledGet =
  (api: () => Api) =>
  async (url: string): Promise<any> => {
    const head = await api().settle();
    const answer = await api().request('GET', url, { headers: head === undefined ? {} : { 'x-consistent-with': String(head) } });
    if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

/** POST that must answer `status` (200 unless told): its body, or it throws. `settleFirst`: once the processors are quiet (the vendor orders exist by then). */
export const expectPost =
  (api: () => Api, { settleFirst = false } = {}) =>
  async (url: string, body?: unknown, status = 200): Promise<any> => {
    if (settleFirst) await api().settle();
    const answer = await api().post(url, body);
    if (answer.status !== status) throw new Error(`POST ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
