// The REST API as the dashboard calls it: same origin, the session cookie
// (HttpOnly, sent by the browser) and, on writes, the session's CSRF token.
// `path` is aisbf's ("/api/auth/me"); behind a proxy on a subpath, PREFIX
// is put in front.
import { PREFIX } from './routes';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
    readonly retryAfter: number | null,
  ) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${PREFIX}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The gateway cannot be reached. Is aisbf running?', 'network', null, null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data as { error?: { message?: string; code?: string; param?: string } } | null)?.error ?? {};
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, e.message ?? `HTTP ${res.status}`, e.code ?? null, e.param ?? null,
      Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return data as T;
}

// --- the shapes the dashboard reads

export type Role = 'admin' | 'user';

export interface Me {
  kind: 'anonymous' | 'global_token' | 'user_token' | 'session';
  user?: string;
  role: Role | null;
  must_change_password: boolean;
  csrf_token?: string;
}

export interface LoginAnswer {
  csrf_token: string;
  user: { username: string; role: Role; must_change_password: boolean };
}

export interface HealthEntry {
  key: string; // "provider" or "provider/model"
  status: 'healthy' | 'cooling_down' | 'half_open';
  consecutive_failures: number;
  cooldown_left_s: number;
  last_error: string;
}

export interface RateLimitEntry {
  key: string;
  blocked_for_s: number;
  rate_limited_count: number;
}

export interface HealthReport {
  health: HealthEntry[];
  rate_limits: RateLimitEntry[];
}

export interface ProviderEntry {
  name?: string;
  type?: string;
  endpoint?: string;
  models?: { name: string }[] | null;
}

export interface CacheStats {
  backend: string;
  enabled: boolean;
  error?: string; // the backend could not say what it holds
  hits: number;
  misses: number;
  hit_rate: number;
  evictions: number;
  bytes: number;
  entries: number;
  coalesced: number;
}
