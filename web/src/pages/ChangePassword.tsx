import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Alert, Field, Link, PageTitle } from '../components';
import { navigate } from '../navigation';
import { useSession } from '../session';
import { hasErrors, validatePasswordChange, type FieldErrors, type PasswordField } from '../validation';

const FIELDS: PasswordField[] = ['current_password', 'new_password', 'confirm'];

export function ChangePassword() {
  const session = useSession();
  const forced = session.me.must_change_password;
  const [values, setValues] = useState({ current_password: '', new_password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const [failure, setFailure] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const set = (field: PasswordField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
    setDone(false);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validatePasswordChange(values);
    setErrors(found);
    setFailure('');
    if (hasErrors(found)) {
      document.getElementById(FIELDS.find((f) => found[f]) ?? 'current_password')?.focus();
      return;
    }
    setBusy(true);
    try {
      await api('PATCH', '/api/user/password', {
        current_password: values.current_password,
        new_password: values.new_password,
      });
      setValues({ current_password: '', new_password: '', confirm: '' });
      setDone(true);
      session.update({ ...session.me, must_change_password: false });
      if (forced) navigate('/'); // the forced change done: on to the app
    } catch (err) {
      if (session.intercept(err)) return;
      if (err instanceof ApiError && err.param === 'current_password') {
        setErrors({ current_password: err.code === 'invalid_password' ? 'This is not your current password.' : err.message });
      } else if (err instanceof ApiError && err.param === 'new_password') {
        setErrors({ new_password: err.message });
      } else if (err instanceof ApiError && err.status === 429) {
        setFailure(`Too many wrong passwords. Try again in ${err.retryAfter ?? 'a few'} seconds.`);
      } else if (err instanceof ApiError && err.status === 409) {
        setFailure('Your password was changed elsewhere meanwhile. Sign in again with the new one.');
      } else {
        setFailure(err instanceof Error ? err.message : 'The change failed.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class={forced ? 'auth-page' : 'page'}>
      <form class={`card ${forced ? 'auth-card' : 'form-card'}`} onSubmit={submit} noValidate>
        <PageTitle>{forced ? 'Choose your own password' : 'Change password'}</PageTitle>
        {forced && (
          <p class="lead">
            Your password was generated or set by an administrator. Choose one of your own before you go on; your
            other sessions end, this one stays.
          </p>
        )}
        {failure && <Alert>{failure}</Alert>}
        {done && <Alert kind="success">Your password is changed. Your other sessions have ended.</Alert>}
        <Field id="current_password" label="Current password" type="password" value={values.current_password}
          error={errors.current_password} autocomplete="current-password" autofocus onInput={set('current_password')} />
        <Field id="new_password" label="New password" type="password" value={values.new_password}
          error={errors.new_password} hint="At least 8 characters." autocomplete="new-password"
          onInput={set('new_password')} />
        <Field id="confirm" label="New password again" type="password" value={values.confirm} error={errors.confirm}
          autocomplete="new-password" onInput={set('confirm')} />
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
          {!forced && <Link to="/profile" class="button">Cancel</Link>}
        </div>
      </form>
    </main>
  );
}
