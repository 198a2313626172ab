import { useState } from 'preact/hooks';
import { api, ApiError, type LoginAnswer, type Me } from '../api';
import { Alert, Field, PageTitle } from '../components';
import { hasErrors, validateLogin, type FieldErrors } from '../validation';

type LoginField = 'username' | 'password';

export function loginErrorText(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Signing in failed. Try again.';
  if (e.status === 401) return 'Wrong username or password.';
  if (e.status === 429) {
    const wait = e.retryAfter ? ` in ${e.retryAfter} ${e.retryAfter === 1 ? 'second' : 'seconds'}` : ' later';
    return `Too many failed sign-ins. Try again${wait}.`;
  }
  if (e.status === 503) return 'The user database is unavailable right now. Try again in a moment.';
  return e.message;
}

export function Login(props: { onSignedIn: (me: Me) => void }) {
  const [values, setValues] = useState({ username: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors<LoginField>>({});
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  const set = (field: LoginField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateLogin(values);
    setErrors(found);
    setFailure('');
    if (hasErrors(found)) {
      document.getElementById(found.username ? 'username' : 'password')?.focus();
      return;
    }
    setBusy(true);
    try {
      const answer = await api<LoginAnswer>('POST', '/api/auth/login', {
        username: values.username.trim(),
        password: values.password,
      });
      props.onSignedIn({
        kind: 'session',
        user: answer.user.username,
        role: answer.user.role,
        must_change_password: answer.user.must_change_password,
        csrf_token: answer.csrf_token,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && (err.param === 'username' || err.param === 'password')) {
        setErrors({ [err.param]: err.message });
      } else {
        setFailure(loginErrorText(err));
      }
      setValues((v) => ({ ...v, password: '' }));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth-page">
      <form class="card auth-card" onSubmit={submit} noValidate aria-describedby={failure ? 'login-failure' : undefined}>
        <PageTitle>Sign in to aisbf</PageTitle>
        {failure && (
          <div id="login-failure">
            <Alert>{failure}</Alert>
          </div>
        )}
        <Field id="username" label="Username" value={values.username} error={errors.username}
          autocomplete="username" autofocus onInput={set('username')} />
        <Field id="password" label="Password" type="password" value={values.password} error={errors.password}
          autocomplete="current-password" onInput={set('password')} />
        <button type="submit" class="button button-primary button-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          First start? The admin password is in <code>initial-admin-password</code> in the configuration directory.
        </p>
      </form>
    </main>
  );
}
