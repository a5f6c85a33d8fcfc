/** Values Apache reads as more than text: wildcard paths and log format strings. */
import { describe, expect, it } from '@jest/globals';

import { accessLogFormatCheck, errorLogFormatCheck } from '../../src/options/log-format.js';
import { apachePath } from '../../src/render/quote.js';

describe('apachePath', () => {
  it.each([
    ['/srv/app/rewrite.conf', '"/srv/app/rewrite.conf"'],
    ['/srv/a*b', '"/srv/a[*]b"'],
    ['/srv/a?[x]', '"/srv/a[?][[]x]"'],
    ['~', '"[~]"'],
    ['/srv/back\\slash', '"/srv/back\\\\slash"'],
    ['/srv/a*\\b', '"/srv/a[*]\\\\\\\\b"'],
  ])('%s is written as %s, which only matches itself', (path, written) => {
    expect(apachePath(path)).toBe(written);
  });
});

describe('LogFormat strings', () => {
  it.each([
    'common',
    'combined',
    '%h %l %u %t "%r" %>s %b',
    '%{Referer}i %D %!200,304{User-Agent}i %{%s}t %^ti %%',
  ])('accepts %s', (format) => {
    expect(accessLogFormatCheck(format)).toBeUndefined();
  });

  it.each(['%Z', '%h %', '%"', '%{Referer'])('refuses %s', (format) => {
    expect(accessLogFormatCheck(format)).toContain('LogFormat string');
  });
});

describe('ErrorLogFormat strings', () => {
  it.each(['[%t] [%l] %M', '%{u}t %-{cu}t %M', '[%t] %F: %E: % %M'])('accepts %s', (format) => {
    expect(errorLogFormatCheck(format)).toBeUndefined();
  });

  it.each([
    ['%Q %M', 'whose % items Apache knows'],
    ['%+M', 'whose % items Apache knows'],
    ['[%t] [%l]', 'contains the message, %M'],
  ])('refuses %s', (format, message) => {
    expect(errorLogFormatCheck(format)).toContain(message);
  });
});
