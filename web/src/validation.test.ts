import { describe, expect, it } from 'vitest';
import { byteLength, hasErrors, validateLogin, validatePasswordChange } from './validation';

describe('login form', () => {
  it('asks for both fields', () => {
    expect(validateLogin({ username: '', password: '' })).toEqual({
      username: 'Enter your username.',
      password: 'Enter your password.',
    });
    expect(validateLogin({ username: '   ', password: 'x' }).username).toBeDefined();
    expect(hasErrors(validateLogin({ username: 'admin', password: 'x' }))).toBe(false);
  });
  it('refuses what the server would', () => {
    expect(validateLogin({ username: 'a'.repeat(65), password: 'x' }).username).toMatch(/64/);
    expect(validateLogin({ username: 'a', password: 'é'.repeat(513) }).password).toMatch(/1024 bytes/);
  });
});

describe('password change form', () => {
  const ok = { current_password: 'old-password', new_password: 'new-password', confirm: 'new-password' };
  it('passes a good change', () => {
    expect(validatePasswordChange(ok)).toEqual({});
  });
  it('counts bytes as the server does (8 to 1024)', () => {
    expect(byteLength('ééé')).toBe(6);
    expect(validatePasswordChange({ ...ok, new_password: 'short', confirm: 'short' }).new_password).toMatch(/8/);
    expect(validatePasswordChange({ ...ok, new_password: 'éééé', confirm: 'éééé' }).new_password).toBeUndefined();
  });
  it('wants a new password, typed twice alike', () => {
    expect(validatePasswordChange({ ...ok, new_password: 'old-password', confirm: 'old-password' }).new_password)
      .toMatch(/different/);
    expect(validatePasswordChange({ ...ok, confirm: 'new-passwort' })).toEqual({ confirm: 'The two new passwords differ.' });
    expect(validatePasswordChange({ current_password: '', new_password: '', confirm: '' })).toMatchObject({
      current_password: expect.any(String),
      new_password: expect.any(String),
    });
  });
});
