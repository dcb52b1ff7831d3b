// A local Pro Santé Connect: the OpenID Connect provider of the national federation played by `oidc-provider`
// (an OpenID-certified implementation) for the demo and the tests. Started by `python -m dcc_portal psc-peer`,
// which writes its configuration file (see dcc_portal/peers/psc.py); its first argument is that file.
//
// Like PSC: a Keycloak-like realm path, authorization code with PKCE (S256) required, signed id_token, userinfo
// returned as a signed JWT, acr "eidas1", scope `scope_all` carrying SubjectNameID (IDNPS) and the practice data
// (SubjectRefPro), RP-initiated logout. The login page plays the e-CPS confirmation: the tester picks a professional.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { default: Provider } = await import(pathToFileURL(config.module).href);

const issuerUrl = new URL(config.issuer);
const prefix = issuerUrl.pathname.replace(/\/$/, '');
const byIdnps = new Map(config.professionals.map((pro) => [`8${pro.rpps}`, pro]));

const escape = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function practiceClaims(pro) {
  return {
    codeCivilite: pro.civility || 'DR',
    exercices: [{
      codeProfession: pro.profession_code,
      codeCategorieProfessionnelle: 'C',
      codeSavoirFaire: pro.specialty_code || '',
      nomExercice: pro.family_name,
      prenomExercice: pro.given_name,
      activities: [{ raisonSocialeSite: pro.organisation || '', codeModeExercice: 'L' }],
    }],
  };
}

const provider = new Provider(config.issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    post_logout_redirect_uris: config.post_logout_redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
  }],
  jwks: { keys: config.keys },
  cookies: { keys: [config.cookie_key] },
  scopes: ['openid', 'scope_all'],
  claims: {
    openid: ['sub'],
    scope_all: ['SubjectNameID', 'SubjectRefPro', 'given_name', 'family_name', 'preferred_username',
      'SubjectOrganization', 'SubjectRole'],
  },
  acrValues: ['eidas1'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.type = 'html';
        ctx.body = page('Déconnexion', `${form}<p>Vous quittez Pro Santé Connect.</p>
          <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Me déconnecter</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.type = 'html';
        ctx.body = page('Déconnecté', '<p>Vous êtes déconnecté de Pro Santé Connect.</p>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(ctx, sub) {
    const pro = byIdnps.get(sub);
    if (!pro) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          SubjectNameID: sub,
          preferred_username: sub,
          given_name: pro.given_name,
          family_name: pro.family_name,
          SubjectOrganization: pro.organisation || '',
          SubjectRole: [`${pro.profession_code}^1.2.250.1.213.1.1.5.5`],
          SubjectRefPro: practiceClaims(pro),
        };
      },
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Erreur', `<p>${escape(out.error)} : ${escape(out.error_description || '')}</p>`);
  },
});

function page(title, body) {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Pro Santé Connect (local) – ${title}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:1.5rem auto;padding:0 1rem}
button{display:block;width:100%;min-height:44px;margin:.5rem 0;font-size:1rem}</style></head>
<body><h1>Pro Santé Connect <small>(fournisseur local de démonstration)</small></h1>${body}</body></html>`;
}

function loginPage(uid, details) {
  const client = escape(details.params.client_id);
  const choices = config.professionals.map((pro) => `<button type="submit" name="idnps" value="8${escape(pro.rpps)}">
    ${escape(pro.civility === 'M' || pro.civility === 'MME' ? '' : 'Dr ')}${escape(pro.given_name)} ${escape(pro.family_name)}
    <small>(RPPS ${escape(pro.rpps)})</small></button>`).join('');
  return page('Connexion', `<p>Le service <strong>${client}</strong> demande votre identification.</p>
<p>Confirmez votre identité dans l'application e-CPS :</p>
<form method="post" action="${prefix}/interaction/${escape(uid)}/login">${choices}</form>
<form method="post" action="${prefix}/interaction/${escape(uid)}/abort">
<button type="submit">Annuler</button></form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === '' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(loginPage(uid, details));
    return;
  }
  if (req.method !== 'POST') throw new Error('method not allowed');
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: "L'utilisateur a annulé l'authentification",
    }, { mergeWithLastSubmission: false });
    return;
  }
  const idnps = (await readForm(req)).get('idnps') || '';
  if (!byIdnps.has(idnps)) throw new Error('unknown professional');
  const grant = new provider.Grant({ accountId: idnps, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: idnps, acr: 'eidas1', amr: ['mfa'] },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const interactionPath = new RegExp(`^${prefix}/interaction/([A-Za-z0-9_-]+)(?:/(login|abort))?$`);

http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  const match = interactionPath.exec(path);
  if (match) {
    try {
      await interaction(req, res, match[1], match[2] || '');
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Erreur', `<p>${escape(error.message)}</p>`));
    }
    return;
  }
  if (path === prefix || path.startsWith(`${prefix}/`)) {
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length) || '/';
    callback(req, res);
    return;
  }
  res.writeHead(404);
  res.end();
}).listen(config.port, config.host, () => {
  process.stdout.write(`psc-peer listening on ${config.issuer}\n`);
});
