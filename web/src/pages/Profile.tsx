import { Link, PageTitle } from '../components';
import { useSession } from '../session';

export function Profile() {
  const { me } = useSession();
  return (
    <main id="main" class="page">
      <PageTitle>Profile</PageTitle>
      <section class="card" aria-labelledby="who">
        <h2 id="who">Signed in as {me.user}</h2>
        <dl class="facts">
          <div>
            <dt>Username</dt>
            <dd>{me.user}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>
              <span class={`badge badge-${me.role === 'admin' ? 'accent' : 'neutral'}`}>
                {me.role === 'admin' ? 'Administrator' : 'User'}
              </span>
            </dd>
          </div>
          <div>
            <dt>What you may do</dt>
            <dd>
              {me.role === 'admin'
                ? 'Everything: the gateway’s providers, rotations, settings and users, and your own namespace.'
                : 'Use the gateway’s models and keep your own providers, rotations, autoselects and API tokens.'}
            </dd>
          </div>
        </dl>
        <div class="actions">
          <Link to="/change-password" class="button">Change password</Link>
        </div>
      </section>
    </main>
  );
}
