// /dashboard/user/tokens: the signed-in user's own API tokens.
import { PageTitle } from '../components';
import { useSession } from '../session';
import { TokenManager } from './Tokens';
import './people.css';

export function MyTokens() {
  const { me } = useSession();
  return (
    <main id="main" class="page">
      <PageTitle>My tokens</PageTitle>
      <p class="lead">
        API tokens let your programs use the gateway as <strong>{me.user}</strong>: its models and your own providers,
        rotations and autoselects. A new token is shown once; revoke one you no longer use.
      </p>
      <TokenManager path="/api/user/tokens" modelsPath="/api/user/models" idPrefix="my-token" />
    </main>
  );
}
