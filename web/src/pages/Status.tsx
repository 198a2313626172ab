import { Link, PageTitle } from '../components';

export function NotAllowed(props: { path: string }) {
  return (
    <main id="main" class="page">
      <PageTitle>Not allowed</PageTitle>
      <div class="card status-card">
        <p>
          <code>/dashboard{props.path}</code> is for administrators. Your account is a user’s: ask an administrator if
          you need what it shows.
        </p>
        <Link to="/" class="button">Go to the overview</Link>
      </div>
    </main>
  );
}

export function NotFound(props: { path: string }) {
  return (
    <main id="main" class="page">
      <PageTitle>No such page</PageTitle>
      <div class="card status-card">
        <p>
          There is no page at <code>/dashboard{props.path}</code>.
        </p>
        <Link to="/" class="button">Go to the overview</Link>
      </div>
    </main>
  );
}
