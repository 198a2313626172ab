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
import { Autoselects, MyAutoselects } from './Autoselects';
import { MyRotations, Rotations } from './Rotations';

// analytics pages:

// users, tokens, settings, prompts, condensation, rate limits, tor pages:


export const VIEWS: Record<Exclude<PageId, 'login'>, ComponentType> = {
  overview: Overview,
  'response-cache': ResponseCache,
  profile: Profile,
  'change-password': ChangePassword,
  // providers pages:

  // rotations and autoselect pages:
  rotations: Rotations,
  autoselect: Autoselects,
  'user-rotations': MyRotations,
  'user-autoselects': MyAutoselects,

  // analytics pages:

  // users, tokens, settings, prompts, condensation, rate limits, tor pages:

};
