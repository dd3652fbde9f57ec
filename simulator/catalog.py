"""What each kind of organization is called, offers and does in the network.

A *profile* is a recognisable type of organization within a kind (a family
house, a women's centre, a CLSC…): its name patterns, a description and the
services it can offer, each addressing needs consistent with the kind. Kind
traits say how much an organization of that kind refers (activity), attracts
referrals (attractiveness) and does outreach work.
"""

from __future__ import annotations

import dataclasses

__all__ = ["CLSC", "KIND_TRAITS", "PROFILES", "REGIONAL", "Profile", "ServiceTemplate"]


@dataclasses.dataclass(frozen=True)
class ServiceTemplate:
    """A service an organization can offer."""

    name: str
    needs: tuple[str, ...]
    description: str
    eligibility: str


@dataclasses.dataclass(frozen=True)
class Profile:
    """A type of organization: names, description and candidate services.

    The first ``core`` services are always offered, then up to ``extra`` more.
    """

    weight: float
    names: tuple[str, ...]
    description: str
    services: tuple[ServiceTemplate, ...]
    core: int = 1
    extra: int = 2


@dataclasses.dataclass(frozen=True)
class KindTraits:
    """Behaviour of a kind: referrals sent, referrals attracted, outreach share."""

    activity: float
    attractiveness: float
    outreach: float


def _s(name: str, needs: str, description: str, eligibility: str) -> ServiceTemplate:
    return ServiceTemplate(name, tuple(needs.split()), description, eligibility)


_FAMILIES = "Familles avec enfants de 0 à 12 ans"
_YOUNG = "Familles avec enfants de 0 à 5 ans"
_ALL = "Toute personne"
_NEWCOMERS = "Personnes immigrantes arrivées depuis moins de cinq ans"

_HOMEWORK = _s(
    "Aide aux devoirs", "EDUCATION", "Soutien scolaire après l'école.", "Élèves du primaire"
)
_JOB_SEARCH = _s(
    "Aide à la recherche d'emploi", "EMPLOYMENT", "Rencontres individuelles et ateliers CV.", _ALL
)
_SOLIDARITY_GROCERY = _s(
    "Épicerie solidaire",
    "FOOD_SECURITY INCOME",
    "Aliments à prix réduit.",
    "Ménages à faible revenu",
)
_COLLECTIVE_KITCHEN = _s(
    "Cuisines collectives", "FOOD_SECURITY SOCIAL_ISOLATION",
    "Groupes qui cuisinent ensemble des repas à petit prix.", _ALL,
)  # fmt: skip
_TAXES = _s("Clinique d'impôts", "INCOME", "Déclarations de revenus par des bénévoles.",
            "Ménages à faible revenu")  # fmt: skip
_TRANSPORT = _s("Accompagnement-transport", "TRANSPORT",
                "Transport bénévole vers les rendez-vous médicaux et sociaux.", _ALL)  # fmt: skip
_LEGAL = _s("Consultation juridique gratuite", "LEGAL",
            "Information juridique et aide aux démarches.", _ALL)  # fmt: skip
_LEGAL_IMMIGRATION = _s("Information juridique en immigration", "LEGAL IMMIGRATION_FRANCISATION",
                       "Démarches d'immigration.", _NEWCOMERS)  # fmt: skip

CLSC = Profile(
    1.0,
    ("CLSC {q}",),
    "Centre local de services communautaires du réseau public de santé et de services sociaux.",
    (
        _s("Services intégrés en périnatalité et pour la petite enfance", "HEALTH PARENTING "
           "CHILD_DEVELOPMENT", "Suivi de la grossesse aux 5 ans de l'enfant.", _YOUNG),
        _s("Accueil psychosocial", "MENTAL_HEALTH SOCIAL_ISOLATION",
           "Évaluation et orientation psychosociale.", _ALL),
        _s("Consultations infirmières", "HEALTH", "Soins et conseils infirmiers.", _ALL),
        _s("Évaluation et stimulation du langage", "CHILD_DEVELOPMENT",
           "Dépistage et stimulation du langage chez les tout-petits.", _YOUNG),
        _s("Santé mentale jeunesse", "MENTAL_HEALTH", "Suivi des jeunes et de leur famille.",
           "Jeunes de 0 à 17 ans et leur famille"),
    ),
    core=3,
)  # fmt: skip

REGIONAL = Profile(
    1.0,
    ("Centre de justice de proximité {loc}",),
    "Organisme régional d'information juridique qui dessert tout le secteur.",
    (_LEGAL, _LEGAL_IMMIGRATION),
    core=1,
    extra=1,
)

PROFILES: dict[str, tuple[Profile, ...]] = {
    "COMMUNITY": (
        Profile(0.45, ("Maison de la famille {loc}", "Carrefour familial {q}",
                       "Centre de ressources périnatales {loc}", "Halte-répit {loc}",
                       "Regroupement des familles monoparentales {loc}", "{x} {loc}",
                       "Maison de quartier {loc}"),
                "Organisme communautaire famille qui soutient les parents et leurs enfants.",
                (_s("Ateliers parents-enfants", "PARENTING CHILD_DEVELOPMENT",
                    "Ateliers de jeu et de stimulation pour parents et tout-petits.", _YOUNG),
                 _s("Accompagnement des familles", "PARENTING SOCIAL_ISOLATION",
                    "Soutien individuel et accompagnement dans les démarches.", _FAMILIES),
                 _s("Halte-garderie communautaire", "CHILDCARE",
                    "Garde ponctuelle pendant les activités et les démarches des parents.", _YOUNG),
                 _s("Café-rencontre des parents", "SOCIAL_ISOLATION",
                    "Rencontres conviviales entre parents.", _FAMILIES),
                 _s("Soutien en périnatalité", "HEALTH PARENTING",
                    "Accompagnement des futurs et nouveaux parents.", "Femmes enceintes et "
                    "parents de nouveau-nés"),
                 _COLLECTIVE_KITCHEN), core=1, extra=3),
        Profile(0.10, ("Centre de femmes {loc}",),
                "Lieu d'entraide, d'éducation et d'action pour les femmes.",
                (_s("Écoute et soutien psychosocial", "MENTAL_HEALTH SOCIAL_ISOLATION",
                    "Écoute individuelle et groupes d'entraide.", "Femmes"),
                 _s("Information sur les droits", "LEGAL", "Ateliers sur les droits.", "Femmes"))),
        Profile(0.10, ("Maison des jeunes {loc}",), "Lieu de rencontre pour les 12 à 17 ans.",
                (_HOMEWORK,
                 _s("Intervention jeunesse", "MENTAL_HEALTH SOCIAL_ISOLATION",
                    "Accueil et intervention auprès des adolescents.", "Jeunes de 12 à 17 ans"))),
        Profile(0.13, ("Accueil aux immigrants {loc}", "Centre d'intégration des nouveaux "
                       "arrivants {loc}"),
                "Organisme d'accueil et d'intégration des personnes immigrantes.",
                (_s("Accueil et installation des nouveaux arrivants", "IMMIGRATION_FRANCISATION",
                    "Information et accompagnement à l'installation.", _NEWCOMERS),
                 _s("Francisation pour parents", "IMMIGRATION_FRANCISATION",
                    "Cours de français avec halte-garderie.", _NEWCOMERS),
                 _s("Intégration en emploi des personnes immigrantes",
                    "EMPLOYMENT IMMIGRATION_FRANCISATION", "Préparation à l'emploi.", _NEWCOMERS))),
        Profile(0.12, ("Centre d'action bénévole {loc}", "Entraide familiale {q}"),
                "Organisme d'entraide animé par des bénévoles.",
                (_TAXES, _TRANSPORT,
                 _s("Visites d'amitié", "SOCIAL_ISOLATION", "Visites régulières de bénévoles.",
                    "Personnes isolées"),
                 _s("Popote roulante", "FOOD_SECURITY", "Repas livrés à domicile.", _ALL))),
        Profile(0.10, ("Centre de pédiatrie sociale {loc}",),
                "Centre de pédiatrie sociale en communauté.",
                (_s("Suivi en pédiatrie sociale", "CHILD_DEVELOPMENT HEALTH",
                    "Évaluation et suivi de l'enfant avec sa famille.", "Enfants de 0 à 12 ans"),
                 _s("Soutien aux parents", "PARENTING", "Rencontres et soutien parental.",
                    _FAMILIES))),
    ),
    "HEALTH_SOCIAL_SERVICES": (
        Profile(0.6, ("Clinique de proximité {loc}", "Groupe de médecine de famille {loc}",
                      "Centre de santé communautaire {loc}"),
                "Clinique médicale de première ligne.",
                (_s("Consultations sans rendez-vous", "HEALTH", "Consultations médicales.", _ALL),
                 _s("Suivi de grossesse", "HEALTH PARENTING", "Suivi médical de grossesse.",
                    "Femmes enceintes"),
                 _s("Vaccination des enfants", "HEALTH", "Vaccination de 0 à 5 ans.", _YOUNG))),
        Profile(0.4, ("Point de service en santé mentale {loc}", "Clinique de santé jeunesse "
                      "{loc}"), "Services de santé mentale de proximité.",
                (_s("Accueil en santé mentale", "MENTAL_HEALTH", "Évaluation et orientation.",
                    _ALL),
                 _s("Groupes de soutien", "MENTAL_HEALTH SOCIAL_ISOLATION",
                    "Groupes thérapeutiques.", _ALL))),
    ),
    "SCHOOL": (
        Profile(1.0, ("École {p}", "École primaire {p}", "École secondaire {p}",
                      "École primaire {loc}"), "Établissement scolaire public.",
                (_HOMEWORK,
                 _s("Service de garde scolaire", "CHILDCARE", "Garde avant et après l'école.",
                    "Élèves de l'école"),
                 _s("Intervention psychosociale scolaire", "MENTAL_HEALTH EDUCATION",
                    "Soutien des élèves en difficulté.", "Élèves de l'école"),
                 _s("Classe d'accueil", "IMMIGRATION_FRANCISATION EDUCATION",
                    "Francisation des élèves nouvellement arrivés.", "Élèves allophones"),
                 _s("Petits déjeuners à l'école", "FOOD_SECURITY", "Déjeuners gratuits.",
                    "Élèves de l'école")), core=1, extra=2),
    ),
    "CHILDCARE": (
        Profile(1.0, ("CPE {d}", "Garderie {d}", "CPE {d} {loc}", "Garderie {d} {loc}"),
                "Service de garde éducatif à l'enfance.",
                (_s("Places en service de garde éducatif", "CHILDCARE CHILD_DEVELOPMENT",
                    "Places subventionnées en installation.", _YOUNG),
                 _s("Soutien à l'intégration des enfants à besoins particuliers",
                    "CHILD_DEVELOPMENT", "Accompagnement éducatif adapté.", _YOUNG)), extra=1),
    ),
    "FOOD_SECURITY": (
        Profile(0.5, ("Banque alimentaire {q}", "Moisson {q}", "Comptoir alimentaire {loc}"),
                "Organisme de dépannage alimentaire.",
                (_s("Dépannage alimentaire", "FOOD_SECURITY", "Paniers de nourriture d'urgence.",
                    "Ménages à faible revenu"), _SOLIDARITY_GROCERY)),
        Profile(0.3, ("Cuisines collectives {loc}", "Jardins collectifs {loc}",
                      "Frigo communautaire {loc}"), "Organisme d'autonomie alimentaire.",
                (_COLLECTIVE_KITCHEN,
                 _s("Repas communautaires", "FOOD_SECURITY SOCIAL_ISOLATION",
                    "Repas partagés à petit prix.", _ALL))),
        Profile(0.2, ("Magasin-partage {loc}", "Épicerie solidaire {loc}"),
                "Épicerie à prix solidaires.", (_SOLIDARITY_GROCERY,), extra=0),
    ),
    "HOUSING": (
        Profile(0.5, ("Comité logement {q}", "Association des locataires {loc}",
                      "Bureau info-logement {loc}"), "Organisme de défense des locataires.",
                (_s("Aide à la recherche de logement", "HOUSING",
                    "Accompagnement dans la recherche d'un logement.", _ALL),
                 _s("Défense des droits des locataires", "HOUSING LEGAL",
                    "Information et soutien en cas de litige.", "Locataires"))),
        Profile(0.5, ("Office d'habitation {loc}", "Habitations communautaires {loc}",
                      "Coopérative d'habitation {x}"), "Gestionnaire de logements sociaux.",
                (_s("Logement social et communautaire", "HOUSING",
                    "Inscription aux logements à loyer modique.", "Ménages à faible revenu"),
                 _s("Hébergement d'urgence pour familles", "HOUSING",
                    "Hébergement temporaire.", "Familles sans logement"),
                 _s("Supplément au loyer", "HOUSING INCOME", "Aide au paiement du loyer.",
                    "Ménages à faible revenu"))),
    ),
    "EMPLOYMENT": (
        Profile(0.4, ("Carrefour jeunesse-emploi {q}",), "Organisme d'insertion des jeunes.",
                (_JOB_SEARCH,
                 _s("Retour aux études", "EDUCATION EMPLOYMENT",
                    "Accompagnement du retour aux études.", "Jeunes de 16 à 35 ans"))),
        Profile(0.2, ("Centre local d'emploi {loc}",), "Bureau de Services Québec.",
                (_s("Aide financière de dernier recours", "INCOME",
                    "Demandes d'aide sociale.", _ALL), _JOB_SEARCH)),
        Profile(0.4, ("Service d'aide à l'emploi {loc}", "Club de recherche d'emploi {loc}",
                      "Centre d'intégration en emploi {loc}"), "Service spécialisé en emploi.",
                (_JOB_SEARCH,
                 _s("Intégration en emploi des personnes immigrantes",
                    "EMPLOYMENT IMMIGRATION_FRANCISATION", "Préparation à l'emploi.",
                    _NEWCOMERS))),
    ),
    "MUNICIPAL": (
        Profile(0.35, ("Bibliothèque {loc}",), "Bibliothèque publique.",
                (_s("Heure du conte", "CHILD_DEVELOPMENT", "Lecture pour tout-petits.", _YOUNG),
                 _HOMEWORK)),
        Profile(0.65, ("Centre communautaire de loisirs {loc}", "Service des loisirs {loc}",
                       "Centre sportif {loc}", "Maison de la culture {loc}"),
                "Service municipal de loisirs et de culture.",
                (_s("Activités de loisirs familiales", "SOCIAL_ISOLATION CHILD_DEVELOPMENT",
                    "Activités sportives et culturelles.", _FAMILIES),
                 _s("Camp de jour", "CHILDCARE", "Camp de jour estival.", "Enfants de 5 à 12 ans"),
                 _s("Accès aux loisirs à tarif réduit", "INCOME SOCIAL_ISOLATION",
                    "Tarification sociale.", "Ménages à faible revenu"),
                 _s("Navette communautaire", "TRANSPORT", "Navette de quartier.", _ALL))),
    ),
    "OTHER": (
        Profile(0.4, ("Clinique juridique {loc}",), "Clinique d'information juridique.",
                (_LEGAL, _LEGAL_IMMIGRATION)),
        Profile(0.3, ("Transport bénévole {loc}",), "Service de transport bénévole.",
                (_TRANSPORT,), extra=0),
        Profile(0.3, ("Service d'impôts bénévole {loc}",), "Aide aux déclarations de revenus.",
                (_TAXES, _s("Aide aux prestations", "INCOME",
                            "Aide aux demandes de prestations.", _ALL))),
    ),
}  # fmt: skip

KIND_TRAITS: dict[str, KindTraits] = {
    "COMMUNITY": KindTraits(activity=1.0, attractiveness=1.0, outreach=0.6),
    "HEALTH_SOCIAL_SERVICES": KindTraits(activity=1.6, attractiveness=1.8, outreach=0.4),
    "SCHOOL": KindTraits(activity=0.6, attractiveness=0.6, outreach=0.0),
    "CHILDCARE": KindTraits(activity=0.4, attractiveness=0.9, outreach=0.0),
    "FOOD_SECURITY": KindTraits(activity=0.8, attractiveness=1.3, outreach=0.3),
    "HOUSING": KindTraits(activity=0.5, attractiveness=1.2, outreach=0.1),
    "EMPLOYMENT": KindTraits(activity=0.5, attractiveness=1.0, outreach=0.05),
    "MUNICIPAL": KindTraits(activity=0.3, attractiveness=0.6, outreach=0.15),
    "OTHER": KindTraits(activity=0.2, attractiveness=0.8, outreach=0.0),
}
