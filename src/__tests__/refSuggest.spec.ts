import { describe, expect, it } from '@jest/globals';

import {
  MAX_REF_LENGTH,
  groupForType,
  isValidRef,
  suggestRef
} from '../refSuggest';

/** A small seeded PRNG (mulberry32): the same strings on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('isValidRef', () => {
  it.each([
    'dev/warehouse/password',
    'prod/db',
    'stg/a.b/c-d/e_f',
    '_x/0',
    'dev/' + 'a'.repeat(MAX_REF_LENGTH - 4)
  ])('accepts %s', ref => {
    expect(isValidRef(ref)).toBe(true);
  });

  it.each([
    '',
    'dev',
    'dev/',
    '/dev/x',
    'dev//x',
    'dev/x/',
    'dev/-x',
    'dev/.x',
    'dev/x y',
    'dev/pässword',
    'secret://dev/x',
    'dev/x@previous',
    'dev/x#field',
    'dev/x\n',
    'dev/' + 'a'.repeat(MAX_REF_LENGTH - 3)
  ])('refuses %j', ref => {
    expect(isValidRef(ref)).toBe(false);
  });
});

describe('suggestRef', () => {
  const dev = { scope: 'dev' };

  it.each([
    // the first word names the system, the rest the credential
    ['WAREHOUSE_PASSWORD', 'dev/warehouse/password'],
    ['snowflakePassword', 'dev/snowflake/password'],
    ['aws_secret_access_key', 'dev/aws/secret_access_key'],
    ['OPENAI_API_KEY', 'dev/openai/api_key'],
    ['GitHubToken', 'dev/github/token'],
    ['MySQLPassword', 'dev/mysql/password'],
    ['HTTPBasicAuthPwd', 'dev/http/basic_auth_password'],
    ['db_pass', 'dev/db/password'],
    ['db2_pwd', 'dev/db2/password'],
    ['github_client_secret', 'dev/github/client_secret'],
    ['warehouse_db_password', 'dev/warehouse/db_password'],
    // short forms of password
    ['pw', 'dev/app/password'],
    ['pwd', 'dev/app/password'],
    ['passwd', 'dev/app/password'],
    ['pass', 'dev/app/password'],
    // api key spellings
    ['api_key', 'dev/app/api_key'],
    ['apiKey', 'dev/app/api_key'],
    ['API-KEY', 'dev/app/api_key'],
    ['APIKEY', 'dev/app/api_key'],
    ['myAPIKey', 'dev/app/api_key'],
    // credential words only: the group comes from the context
    ['password', 'dev/app/password'],
    ['token', 'dev/app/token'],
    ['access_token', 'dev/app/access_token'],
    ['secret_key', 'dev/app/secret_key'],
    // junk
    ['__password__', 'dev/app/password'],
    ['my__Password!!', 'dev/app/password'],
    ['pass_pwd', 'dev/app/password'],
    ['conn', 'dev/app/conn'],
    ['pässword', 'dev/app/password'],
    ['密码_token', 'dev/app/token'],
    ['Authorization', 'dev/app/authorization'],
    ['spring.datasource.password', 'dev/spring/datasource_password']
  ])('%s -> %s', (name, ref) => {
    expect(suggestRef(name, dev)).toBe(ref);
  });

  it('uses the context group for a bare credential word or no name', () => {
    expect(suggestRef('password', { scope: 'dev', group: 'aws' })).toBe(
      'dev/aws/password'
    );
    expect(suggestRef(null, { scope: 'dev', group: 'aws' })).toBe(
      'dev/aws/secret'
    );
    expect(suggestRef(null, dev)).toBe('dev/app/secret');
    expect(suggestRef('', { scope: 'dev', group: null })).toBe(
      'dev/app/secret'
    );
    // A name with a system of its own keeps it.
    expect(
      suggestRef('WAREHOUSE_PASSWORD', { scope: 'dev', group: 'aws' })
    ).toBe('dev/warehouse/password');
  });

  it('takes a file name as a group without its folder and extension', () => {
    expect(
      suggestRef('token', {
        scope: 'dev',
        group: 'work/Sales Report (v2).ipynb'
      })
    ).toBe('dev/sales_report_v2/token');
    expect(suggestRef('token', { scope: 'dev', group: '.ipynb' })).toBe(
      'dev/app/token'
    );
    expect(suggestRef('token', { scope: 'dev', group: 'v1.2' })).toBe(
      'dev/v1_2/token'
    );
  });

  it('keeps a valid scope as written and cleans a malformed one', () => {
    expect(suggestRef('pw', { scope: 'prod' })).toBe('prod/app/password');
    expect(suggestRef('pw', { scope: 'Team-A.stg' })).toBe(
      'Team-A.stg/app/password'
    );
    expect(suggestRef('pw', { scope: 'my scope/x' })).toBe(
      'my_scope_x/app/password'
    );
    expect(suggestRef('pw', { scope: '' })).toBe('dev/app/password');
    expect(suggestRef('pw', { scope: '///' })).toBe('dev/app/password');
  });

  it('stays within the length limit for a 10k-character name', () => {
    const ref = suggestRef('x'.repeat(10_000), { scope: 'dev' });
    expect(isValidRef(ref)).toBe(true);
    expect(ref.length).toBeLessThanOrEqual(MAX_REF_LENGTH);
    const long = suggestRef('ab_'.repeat(5000), {
      scope: 's'.repeat(1000),
      group: 'g'.repeat(1000)
    });
    expect(isValidRef(long)).toBe(true);
  });

  it('gives a valid ref for any name and context (seeded random strings)', () => {
    const rand = prng(20240611);
    const alphabets = [
      'abcXYZ_019',
      ' !"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~',
      'éüß漢字🔑\u0000\u200b\t\n',
      'pwPASStokenKEYapi_-.'
    ];
    const pick = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) {
        const a = alphabets[Math.floor(rand() * alphabets.length)];
        s += Array.from(a)[Math.floor(rand() * Array.from(a).length)];
      }
      return s;
    };
    for (let i = 0; i < 2000; i++) {
      const len =
        rand() < 0.02
          ? 3000 + Math.floor(rand() * 8000)
          : Math.floor(rand() * 40);
      const name = rand() < 0.05 ? null : pick(len);
      const context = {
        scope: rand() < 0.7 ? 'dev' : pick(Math.floor(rand() * 50)),
        group: rand() < 0.3 ? null : pick(Math.floor(rand() * 80))
      };
      const ref = suggestRef(name, context);
      if (!isValidRef(ref)) {
        throw new Error(
          `invalid ${JSON.stringify(ref)} for ${JSON.stringify([name, context])}`
        );
      }
      expect(ref.split('/')).toHaveLength(3);
    }
  });
});

describe('groupForType', () => {
  it.each([
    ['AWS Secret Access Key', 'aws'],
    ['AWS Access Key', 'aws'],
    ['AWSSecretKey', 'aws'],
    ['GitHub Token', 'github'],
    ['GitLab Token', 'gitlab'],
    ['OpenAI API Key', 'openai'],
    ['Hugging Face Token', 'hugging_face'],
    ['Azure Storage Account access key', 'azure_storage'],
    ['Slack Webhook', 'slack'],
    ['Telegram Bot Token', 'telegram'],
    ['npm Token', 'npm'],
    ['Square OAuth Secret', 'square'],
    ['Cloudant Credentials', 'cloudant']
  ])('%s -> %s', (type, group) => {
    expect(groupForType(type)).toBe(group);
  });

  it.each([
    'Password',
    'Private Key',
    'JSON Web Token',
    'Secret Keyword',
    'Basic Auth Credentials',
    'Hex High Entropy String',
    'URI Credentials',
    'Connection String Password',
    'Command-Line Credential',
    'Known secret value',
    '',
    '!!!'
  ])('%s names no vendor', type => {
    expect(groupForType(type)).toBeNull();
  });

  it('gives a group suggestRef can use', () => {
    const group = groupForType('AWS Secret Access Key');
    expect(suggestRef('secret_access_key', { scope: 'dev', group })).toBe(
      'dev/aws/secret_access_key'
    );
  });
});
