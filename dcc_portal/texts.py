"""User-facing French text of the screens, one section per area (a translation adds a sibling module)."""

APP_NAME = "DCC"
APP_FULL_NAME = "Dossier communicant de cancérologie"

COMMON = {
    "logout": "Se déconnecter",
    "account": "Mon compte",
    "menu": "Ouvrir le menu",
    "close_menu": "Fermer le menu",
    "previous": "Précédent",
    "next": "Suivant",
    "page": "Page",
    "of": "sur",
    "search": "Rechercher",
    "no_result": "Aucun résultat.",
    "loading": "Chargement…",
    "forbidden_title": "Accès refusé",
    "forbidden_body": "Vous n'avez pas accès à cette page. Cette tentative a été enregistrée.",
    "back_home": "Revenir à mon espace",
    "generic_error": "Une erreur est survenue. Réessayez ; si elle persiste, contactez le support en citant la référence",
    "expired": "Votre session a expiré. Merci de vous reconnecter.",
    "save": "Enregistrer",
    "cancel": "Annuler",
    "phone": "Téléphone",
    "email": "Courriel",
}

AUTH = {
    "title": "Connexion",
    "subtitle": "Accès sécurisé réservé aux patients et aux professionnels de leur équipe de soins.",
    "identifier": "Identifiant",
    "password": "Mot de passe",
    "continue": "Continuer",
    "code_title": "Vérification en deux étapes",
    "code_help": "Saisissez le code à 6 chiffres affiché par votre application d'authentification.",
    "code": "Code à 6 chiffres",
    "verify": "Valider",
    "use_recovery": "Je n'ai pas mon téléphone : utiliser un code de secours",
    "use_totp": "Utiliser plutôt le code de l'application",
    "recovery_title": "Code de secours",
    "recovery_help": "Saisissez l'un de vos codes de secours (format abcde-12345). Chaque code ne sert qu'une fois.",
    "recovery": "Code de secours",
    "enrol_title": "Activez votre second facteur",
    "enrol_help": (
        "Première connexion : installez une application d'authentification (par exemple FreeOTP, Aegis, Google "
        "Authenticator ou Microsoft Authenticator), puis scannez ce QR code."
    ),
    "enrol_manual": "Impossible de scanner ? Saisissez cette clé dans l'application (type : basé sur le temps) :",
    "enrol_confirm": "Code affiché par l'application",
    "enrol_submit": "Activer",
    "codes_title": "Vos codes de secours",
    "codes_help": (
        "Conservez ces 10 codes en lieu sûr (imprimés ou dans un gestionnaire de mots de passe). Ils remplacent "
        "votre téléphone si vous le perdez ; chacun ne sert qu'une fois. Ils ne seront plus affichés."
    ),
    "codes_done": "J'ai conservé mes codes, continuer",
    "restart": "Recommencer la connexion",
    "recovery_left": "Code de secours accepté. Il vous reste {n} code(s) de secours : pensez à en générer de nouveaux dans Mon compte.",
    "pending_expired": "Cette étape a expiré. Merci de saisir à nouveau votre identifiant et votre mot de passe.",
    "required_identifier": "Saisissez votre identifiant.",
    "required_password": "Saisissez votre mot de passe.",
}

CHARTER = {
    "title": "Charte d'utilisation",
    "intro": "Avant d'accéder aux dossiers, lisez et acceptez la charte d'utilisation du DCC.",
    "accept": "J'ai lu la charte et je m'engage à la respecter",
    "version": "Version",
    "changed": "La charte a changé pendant votre lecture : lisez la nouvelle version.",
}

ACCOUNT = {
    "title": "Mon compte",
    "password_title": "Changer de mot de passe",
    "current_password": "Mot de passe actuel",
    "new_password": "Nouveau mot de passe (12 caractères au moins)",
    "confirm_password": "Confirmer le nouveau mot de passe",
    "current_code": "Code actuel de l'application",
    "change_password": "Changer le mot de passe",
    "password_changed": "Mot de passe changé. Vos autres sessions ont été fermées.",
    "codes_title": "Codes de secours",
    "codes_left": "Codes de secours encore valables :",
    "regenerate": "Générer 10 nouveaux codes",
    "regenerated": "Nouveaux codes générés ; les anciens ne fonctionnent plus. Notez-les maintenant : ils ne seront plus affichés.",
    "sessions_title": "Mes sessions ouvertes",
    "session_current": "cette session",
    "session_end": "Fermer",
    "session_started": "Ouverte le",
    "session_seen": "Dernière activité",
    "session_ended": "Session fermée.",
}

GP = {
    "home": "Mes patients",
    "search_placeholder": "Nom, prénom ou INS",
    "intro": "Patients dont vous êtes le médecin traitant ou dont vous faites partie de l'équipe de soins.",
    "count": "patient(s)",
    "born": "né(e) le",
    "stage": "Étape",
}

TEAM = {
    "home": "Ma liste de travail",
    "intro": "Patients dont vous faites partie de l'équipe de soins.",
    "search_placeholder": "Nom, prénom ou INS",
    "count": "patient(s)",
    "summary": "Synthèse du patient",
    "identity": "Identité",
    "birth_name": "Nom de naissance",
    "first_names": "Prénoms de naissance",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "ins": "INS",
    "local_id": "Identifiant local",
    "address": "Adresse",
    "medecin_traitant": "Médecin traitant",
    "care_team": "Équipe de soins",
    "stage": "Étape du parcours",
    "back": "Retour à la liste",
    "none": "Non renseigné",
}

PATIENT = {
    "home": "Mon équipe de soins",
    "profile": "Mon profil",
    "welcome": "Bonjour",
    "team_intro": "Les professionnels qui vous accompagnent. En cas d'urgence vitale, appelez le 15.",
    "medecin_traitant": "Votre médecin traitant",
    "team": "Votre équipe à l'hôpital",
    "call": "Appeler",
    "write": "Écrire",
    "identity": "Mon identité",
    "contact": "Mes coordonnées",
    "profile_help": "Une erreur dans votre identité ? Signalez-la au secrétariat de votre équipe de soins.",
}

ADMIN = {
    "accounts": "Comptes",
    "organisations": "Organisations",
    "care_teams": "Équipes de soins",
    "search_accounts": "Identifiant ou nom",
    "new_account": "Créer un compte professionnel",
    "new_patient_account": "Créer un compte patient",
    "identifier": "Identifiant",
    "role": "Rôle",
    "family_name": "Nom",
    "given_name": "Prénom",
    "rpps": "RPPS (11 chiffres)",
    "specialty": "Profession / spécialité",
    "organisation": "Établissement ou cabinet",
    "initial_password": "Mot de passe initial (à transmettre de façon sécurisée)",
    "patient_key": "INS ou identifiant local du patient",
    "create": "Créer",
    "created": "Compte créé. L'utilisateur enrôlera son second facteur à sa première connexion.",
    "disable": "Désactiver",
    "enable": "Réactiver",
    "reset_mfa": "Réinitialiser le second facteur",
    "unlock": "Déverrouiller",
    "status": "Statut",
    "second_factor": "Second facteur",
    "last_login": "Dernière connexion",
    "locked": "Verrouillé",
    "done": "Action effectuée et tracée.",
    "org_name": "Nom",
    "org_kind": "Type",
    "finess": "FINESS (9 caractères)",
    "city": "Ville",
    "new_organisation": "Ajouter une organisation",
    "find_patient": "Rechercher un patient (nom ou INS)",
    "team_of": "Équipe de soins de",
    "add_member": "Ajouter un membre",
    "professional": "Professionnel (nom ou RPPS)",
    "team_role": "Rôle dans l'équipe",
    "start_date": "Début",
    "end_date": "Fin prévue (facultatif)",
    "remove": "Retirer",
    "removed": "Retiré de l'équipe : son accès a pris fin immédiatement.",
    "active": "Actif",
    "ended": "Terminé",
    "choose": "Choisir",
}

DOCUMENT = {
    "title": "Document",
    "dated": "Du",
    "version": "version",
    "released": "Mis à votre disposition le",
    "download_pdf": "Télécharger le PDF",
    "frame_title": "Contenu du document",
}

NOTIFICATIONS = {
    "title": "Notifications",
    "empty": "Aucune notification.",
    "unread": "non lue",
    "open": "Ouvrir",
    "bell": "Notifications non lues",
}

SHARING = {
    "nav": "Envois au DMP",
    "title": "Envois au DMP",
    "admin_title": "Envois au DMP (toute la région)",
    "intro": (
        "Documents envoyés au dossier médical partagé (Mon espace santé) de vos patients. "
        "Un envoi refusé demande une action : renvoyez-le une fois le problème réglé, ou annulez-le."
    ),
    "admin_intro": (
        "Suivi technique des envois au DMP de tous les établissements. Les contenus cliniques ne sont pas affichés."
    ),
    "patient_scope": "Patient :",
    "all_patients": "Voir les envois de tous mes patients",
    "filters": "Filtrer les envois",
    "filter_all": "Tous",
    "filter_rejected": "Refusés",
    "filter_waiting": "En attente",
    "filter_retrying": "Nouvel essai",
    "filter_acknowledged": "Reçus",
    "filter_closed": "Annulés",
    "count": "envoi(s)",
    "empty": "Aucun envoi dans cette catégorie.",
    "version": "version",
    "created": "Validé le",
    "attempts": "tentative(s)",
    "last_attempt": "dernier essai le",
    "resend": "Renvoyer",
    "cancel": "Annuler l'envoi",
    "download": "Télécharger (XDM)",
    "resent": "Renvoi demandé : le document repart dans quelques instants. Cette action est tracée.",
    "cancelled": "Envoi annulé. Cette action est tracée.",
    "cancel_title": "Annuler cet envoi au DMP ?",
    "cancel_help": "Le document restera dans le DCC mais ne sera pas envoyé au DMP. Vous pourrez le renvoyer plus tard.",
    "cancel_reason": "Motif (facultatif)",
    "cancel_confirm": "Confirmer l'annulation",
    "keep": "Ne pas annuler",
    "patient_header": "Patient",
    "document_header": "Document",
    # Opposition: team patient page
    "dmp_title": "Alimentation du DMP",
    "dmp_on": "Les documents partagés de ce patient sont envoyés à son DMP.",
    "dmp_off": "Le patient s'oppose à l'envoi de ses documents au DMP",
    "dmp_since": "depuis le",
    "dmp_by": "enregistré par",
    "dmp_open": "envoi(s) en cours",
    "dmp_oppose": "Le patient s'oppose à l'envoi",
    "dmp_oppose_help": (
        "À n'utiliser qu'à la demande du patient. Les envois en attente seront annulés et aucun nouveau document "
        "ne sera envoyé. Cette action est tracée."
    ),
    "dmp_lift": "Le patient lève son opposition",
    "dmp_lift_help": "Les prochains documents validés seront de nouveau envoyés. Cette action est tracée.",
    "dmp_confirm": "Confirmer",
    "dmp_back": "Annuler",
    "dmp_saved": "Choix du patient enregistré.",
    "dmp_see": "Voir les envois au DMP de ce patient",
    # Opposition: patient area
    "my_dmp_title": "Mon espace santé",
    "my_dmp_intro": (
        "Votre équipe de soins envoie vos documents de cancérologie (comptes rendus, fiche de réunion de "
        "concertation, programme personnalisé de soins) à votre dossier médical partagé, dans Mon espace santé. "
        "Vous et les professionnels qui vous soignent pouvez ainsi les retrouver."
    ),
    "my_dmp_on": "Vos documents sont envoyés à Mon espace santé.",
    "my_dmp_off": "Vous avez demandé que vos documents ne soient pas envoyés à Mon espace santé",
    "my_dmp_oppose": "Je ne veux pas que mes documents y soient envoyés",
    "my_dmp_oppose_help": (
        "Vos documents restent consultables par votre équipe de soins dans le DCC. Ils ne seront plus envoyés "
        "à Mon espace santé, et ceux qui attendent d'être envoyés ne le seront pas. Vous pourrez changer d'avis "
        "à tout moment."
    ),
    "my_dmp_lift": "J'accepte de nouveau l'envoi de mes documents",
    "my_dmp_lift_help": "Les prochains documents validés par votre équipe seront envoyés à Mon espace santé.",
    "my_dmp_saved": "Votre choix est enregistré. Vous pouvez le modifier à tout moment.",
}
