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
    "manage_team": "Gérer l'équipe de soins",
    "team_screen": "Équipe de soins",
    "back_summary": "Retour à la synthèse du patient",
    "change_gp": "Changer de médecin traitant",
    "find_gp": "Médecin (nom ou RPPS)",
    "gp_choice": "Nouveau médecin traitant",
    "set_gp": "Définir comme médecin traitant",
    "gp_changed": "Médecin traitant changé. Il a accès au dossier dès maintenant.",
    "current_gp": "Médecin traitant actuel",
    "confirm_remove_title": "Retirer ce membre de l'équipe ?",
    "confirm_remove": "Son accès au dossier prend fin immédiatement, même s'il a le dossier ouvert. L'action est tracée.",
    "emergency_list": "Accès en urgence récents",
    "emergency_list_help": "Des professionnels hors de l'équipe de soins ont ouvert ce dossier en urgence :",
    "emergency_running": "en cours",
    "emergency_until_prefix": "Accès en urgence en cours jusqu'au",
    "emergency_until_suffix": "Chaque consultation est tracée avec votre motif et signalée au patient et à son équipe de soins.",
    "find_record": "Rechercher un dossier",
}

EMERGENCY = {
    "title": "Rechercher un dossier",
    "intro": (
        "Pour un patient hors de votre équipe de soins : recherche par INS exact, ou par nom et date de naissance. "
        "Seule l'identité minimale est affichée, et chaque recherche est tracée."
    ),
    "ins": "INS (15 caractères)",
    "or": "ou",
    "family_name": "Nom (de naissance ou d'usage), prénom facultatif",
    "birth_date": "Date de naissance",
    "search": "Rechercher",
    "results": "Résultats",
    "none": "Aucun dossier ne correspond. Vérifiez l'INS, ou le nom et la date de naissance.",
    "has_access": "Vous avez accès à ce dossier",
    "open": "Ouvrir le dossier",
    "no_access": "Hors de votre équipe de soins",
    "emergency": "Accès en urgence",
    "form_title": "Accès en urgence (bris de glace)",
    "warning": (
        "Vous n'appartenez pas à l'équipe de soins de ce patient. L'accès en urgence est réservé aux situations où "
        "la prise en charge l'exige. Il dure 4 heures ; chaque consultation est tracée avec votre motif, et il est "
        "signalé au patient, à son médecin traitant et à son équipe de soins."
    ),
    "reason": "Motif de l'accès en urgence (20 caractères au moins)",
    "reason_placeholder": "Ex. : patient admis aux urgences, besoin des traitements en cours",
    "confirm": "Accéder en urgence au dossier",
    "cancel": "Annuler",
    "born": "né(e) le",
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
    "access_log": "Qui a consulté mon dossier",
    "access_log_intro": (
        "Les professionnels qui ont consulté ou mis à jour votre dossier, avec la date, leur fonction et le motif. "
        "Vos propres consultations n'y figurent pas."
    ),
    "access_log_empty": "Aucun professionnel n'a encore consulté votre dossier.",
    "emergency_badge": "Accès en urgence",
    "emergency_reason": "Motif donné :",
    "times": "fois",
    "emergency_notice": "Un professionnel hors de votre équipe de soins a ouvert votre dossier en urgence.",
    "see_access_log": "Voir qui a consulté mon dossier",
    "oppositions": "Mes oppositions",
    "oppositions_intro": (
        "Vous pouvez vous opposer à ce qu'un professionnel qui ne fait pas partie de votre équipe de soins actuelle "
        "consulte votre dossier. Votre opposition s'applique immédiatement, et vous pouvez la lever à tout moment. "
        "Elle ne peut pas viser l'équipe qui vous soigne aujourd'hui."
    ),
    "current_oppositions": "Mes oppositions en cours",
    "no_opposition": "Vous ne vous êtes opposé(e) à aucun professionnel.",
    "since": "depuis le",
    "withdraw": "Lever l'opposition",
    "find_professional": "Nom du professionnel",
    "find_placeholder": "Ex. : Dupont, ou Dupont Marie",
    "oppose": "M'opposer à son accès",
    "opposed": "Opposition enregistrée : ce professionnel ne peut plus consulter votre dossier.",
    "withdrawn": "Opposition levée.",
    "cannot_oppose": "Impossible : fait partie de votre équipe de soins actuelle",
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
    "audit": "Journal d'audit",
    "audit_patient": "Patient (INS ou identifiant local)",
    "audit_user": "Identifiant de l'utilisateur",
    "audit_action": "Action",
    "audit_outcome": "Résultat",
    "audit_from": "Du (date, heure de Paris)",
    "audit_to": "Au (inclus)",
    "audit_search": "Rechercher",
    "audit_export": "Exporter en CSV",
    "audit_count": "événement(s)",
    "audit_capped": "Plus de 10 000 événements : seuls les 10 000 plus récents sont parcourus. Affinez la recherche.",
    "audit_all": "Toutes",
    "audit_any": "Tous",
    "audit_patient_label": "Patient",
    "audit_document": "Document",
    "audit_grant": "Motif d'accès",
    "audit_justification": "Justification",
    "audit_ip": "IP",
    "audit_empty": "Aucun événement ne correspond.",
    "audit_verify_help": "Intégrité de la chaîne : python -m dcc_portal audit verify",
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
