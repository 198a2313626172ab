// Each page's component, by the id routes.ts gives it. A Record over PageId:
// a page listed in PAGES without a component here does not compile. The
// login page is the app's own (shown while nobody is signed in). The
// overview and the account pages come with the app; every other page is
// fetched when first opened (lazyPage), so that the overview stays small.
import type { ComponentType } from 'preact';
import type { PageId } from '../routes';
import { ChangePassword } from './ChangePassword';
import { Overview } from './Overview';
import { Profile } from './Profile';
import { lazyPage } from './lazy';

export const VIEWS: Record<Exclude<PageId, 'login'>, ComponentType> = {
  overview: Overview,
  profile: Profile,
  'change-password': ChangePassword,
  analytics: lazyPage(() => import('./Analytics').then((m) => m.Analytics)),
  'rate-limits': lazyPage(() => import('./RateLimits').then((m) => m.RateLimits)),
  'response-cache': lazyPage(() => import('./ResponseCache').then((m) => m.ResponseCache)),
  tor: lazyPage(() => import('./Tor').then((m) => m.Tor)),
  providers: lazyPage(() => import('./Providers').then((m) => m.AdminProviders)),
  rotations: lazyPage(() => import('./Rotations').then((m) => m.Rotations)),
  autoselect: lazyPage(() => import('./Autoselects').then((m) => m.Autoselects)),
  prompts: lazyPage(() => import('./Prompts').then((m) => m.Prompts)),
  condensation: lazyPage(() => import('./Condensation').then((m) => m.Condensation)),
  settings: lazyPage(() => import('./Settings').then((m) => m.Settings)),
  users: lazyPage(() => import('./Users').then((m) => m.Users)),
  'user-providers': lazyPage(() => import('./Providers').then((m) => m.UserProviders)),
  'user-rotations': lazyPage(() => import('./Rotations').then((m) => m.MyRotations)),
  'user-autoselects': lazyPage(() => import('./Autoselects').then((m) => m.MyAutoselects)),
  'user-tokens': lazyPage(() => import('./MyTokens').then((m) => m.MyTokens)),
};
