// Form checks made before anything is sent (the server checks again and
// its field errors are shown beside the same fields). Pure, tested in
// validation.test.ts.

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

// The server counts bytes: 8 to 1024 (auth::acceptable_password).
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function validateLogin(v: { username: string; password: string }): FieldErrors<'username' | 'password'> {
  const e: FieldErrors<'username' | 'password'> = {};
  if (v.username.trim() === '') e.username = 'Enter your username.';
  else if (v.username.length > 64) e.username = 'A username has at most 64 characters.';
  if (v.password === '') e.password = 'Enter your password.';
  else if (byteLength(v.password) > 1024) e.password = 'A password has at most 1024 bytes.';
  return e;
}

export type PasswordField = 'current_password' | 'new_password' | 'confirm';

export function validatePasswordChange(v: {
  current_password: string;
  new_password: string;
  confirm: string;
}): FieldErrors<PasswordField> {
  const e: FieldErrors<PasswordField> = {};
  if (v.current_password === '') e.current_password = 'Enter your current password.';
  const n = byteLength(v.new_password);
  if (v.new_password === '') e.new_password = 'Choose a new password.';
  else if (n < 8) e.new_password = 'Use at least 8 characters.';
  else if (n > 1024) e.new_password = 'A password has at most 1024 bytes.';
  else if (v.new_password === v.current_password) e.new_password = 'Choose a password different from the current one.';
  if (!e.new_password && v.confirm !== v.new_password) e.confirm = 'The two new passwords differ.';
  return e;
}

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some((v) => v !== undefined && v !== '');
}
