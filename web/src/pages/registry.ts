// Each page's component, by the id routes.ts gives it. A Record over PageId:
// a page listed in PAGES without a component here does not compile. The
// login page is the app's own (shown while nobody is signed in).
import type { ComponentType } from 'preact';
import type { PageId } from '../routes';
import { ChangePassword } from './ChangePassword';
import { Overview } from './Overview';
import { Profile } from './Profile';
import { ResponseCache } from './ResponseCache';
// providers pages:

// rotations and autoselect pages:

// analytics pages:

// users, tokens, settings, prompts, condensation, rate limits, tor pages:

import { Settings } from './Settings';
import { Prompts } from './Prompts';
import { Condensation } from './Condensation';
import { RateLimits } from './RateLimits';

export const VIEWS: Record<Exclude<PageId, 'login'>, ComponentType> = {
  overview: Overview,
  'response-cache': ResponseCache,
  profile: Profile,
  'change-password': ChangePassword,
  // providers pages:

  // rotations and autoselect pages:

  // analytics pages:

  // users, tokens, settings, prompts, condensation, rate limits, tor pages:

  settings: Settings,
  prompts: Prompts,
  condensation: Condensation,
  'rate-limits': RateLimits,
};
