"""The controlled vocabularies of DESIGN.md, with French and English labels.

Codes are stored upper-case in the graph. Québec users work in French first,
so every enum a user sees carries ``label_fr`` and ``label_en``. Which statuses
are terminal is a rule of the lifecycle (:mod:`domain.lifecycle`).
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "NEEDS",
    "Availability",
    "ConsentMethod",
    "DeclineReason",
    "EventType",
    "OrgRole",
    "OrganizationKind",
    "PartnershipKind",
    "PlaceKind",
    "ReferralStatus",
    "Urgency",
    "label",
]


class OrganizationKind(str, Enum):
    COMMUNITY = "COMMUNITY"
    HEALTH_SOCIAL_SERVICES = "HEALTH_SOCIAL_SERVICES"
    SCHOOL = "SCHOOL"
    CHILDCARE = "CHILDCARE"
    FOOD_SECURITY = "FOOD_SECURITY"
    HOUSING = "HOUSING"
    EMPLOYMENT = "EMPLOYMENT"
    MUNICIPAL = "MUNICIPAL"
    OTHER = "OTHER"


class Availability(str, Enum):
    OPEN = "OPEN"
    WAITLIST = "WAITLIST"
    FULL = "FULL"
    CLOSED = "CLOSED"


class PlaceKind(str, Enum):
    PARK = "PARK"
    GROCERY = "GROCERY"
    MALL = "MALL"
    STREET = "STREET"
    FOOD_BANK = "FOOD_BANK"
    THRIFT_STORE = "THRIFT_STORE"
    COMMUNITY_EVENT = "COMMUNITY_EVENT"
    SCHOOL = "SCHOOL"
    CHILDCARE = "CHILDCARE"
    SOCIAL_HOUSING = "SOCIAL_HOUSING"
    OTHER = "OTHER"


class PartnershipKind(str, Enum):
    AGREEMENT = "AGREEMENT"
    JOINT_ACTIVITY = "JOINT_ACTIVITY"
    SHARED_STAFF = "SHARED_STAFF"
    CO_LOCATION = "CO_LOCATION"
    TABLE = "TABLE"


class OrgRole(str, Enum):
    ORG_STAFF = "ORG_STAFF"
    ORG_ADMIN = "ORG_ADMIN"


class ReferralStatus(str, Enum):
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ACCEPTED = "ACCEPTED"
    CONTACTED = "CONTACTED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    DECLINED = "DECLINED"
    REDIRECTED = "REDIRECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class EventType(str, Enum):
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    REDIRECTED = "REDIRECTED"
    CONTACTED = "CONTACTED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    NOTE = "NOTE"
    CONTACT_PURGED = "CONTACT_PURGED"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"


class DeclineReason(str, Enum):
    NO_CAPACITY = "NO_CAPACITY"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    OUT_OF_TERRITORY = "OUT_OF_TERRITORY"
    SERVICE_NOT_ADAPTED = "SERVICE_NOT_ADAPTED"
    FAMILY_UNREACHABLE = "FAMILY_UNREACHABLE"
    FAMILY_DECLINED = "FAMILY_DECLINED"
    DUPLICATE = "DUPLICATE"
    OTHER = "OTHER"


class Urgency(str, Enum):
    ROUTINE = "ROUTINE"
    PRIORITY = "PRIORITY"
    URGENT = "URGENT"


class ConsentMethod(str, Enum):
    VERBAL = "VERBAL"
    WRITTEN = "WRITTEN"


# The need taxonomy (DESIGN.md §3), seeded by a migration: code -> (fr, en).
NEEDS: dict[str, tuple[str, str]] = {
    "HOUSING": ("Logement", "Housing"),
    "EMPLOYMENT": ("Emploi", "Employment"),
    "FOOD_SECURITY": ("Sécurité alimentaire", "Food security"),
    "CHILD_DEVELOPMENT": ("Développement de l'enfant", "Child development"),
    "PARENTING": ("Soutien parental", "Parenting"),
    "HEALTH": ("Santé", "Health"),
    "MENTAL_HEALTH": ("Santé mentale", "Mental health"),
    "INCOME": ("Revenu", "Income"),
    "LEGAL": ("Aide juridique", "Legal aid"),
    "IMMIGRATION_FRANCISATION": ("Immigration et francisation", "Immigration and French classes"),
    "SOCIAL_ISOLATION": ("Isolement social", "Social isolation"),
    "TRANSPORT": ("Transport", "Transportation"),
    "EDUCATION": ("Éducation et persévérance scolaire", "Education and school perseverance"),
    "CHILDCARE": ("Garde d'enfants", "Childcare"),
}

_LABELS: dict[str, tuple[str, str]] = {
    # organization kinds
    "COMMUNITY": ("Organisme communautaire", "Community organization"),
    "HEALTH_SOCIAL_SERVICES": ("Santé et services sociaux", "Health and social services"),
    "SCHOOL": ("École", "School"),
    "CHILDCARE": ("Service de garde", "Childcare"),
    "FOOD_SECURITY": ("Sécurité alimentaire", "Food security"),
    "HOUSING": ("Logement", "Housing"),
    "EMPLOYMENT": ("Emploi", "Employment"),
    "MUNICIPAL": ("Municipalité", "Municipal"),
    "OTHER": ("Autre", "Other"),
    # availability
    "OPEN": ("Ouvert", "Open"),
    "WAITLIST": ("Liste d'attente", "Waitlist"),
    "FULL": ("Complet", "Full"),
    "CLOSED": ("Fermé", "Closed"),
    # places
    "PARK": ("Parc", "Park"),
    "GROCERY": ("Épicerie", "Grocery store"),
    "MALL": ("Centre commercial", "Shopping mall"),
    "STREET": ("Rue", "Street"),
    "FOOD_BANK": ("Banque alimentaire", "Food bank"),
    "THRIFT_STORE": ("Friperie", "Thrift store"),
    "COMMUNITY_EVENT": ("Fête de quartier", "Community event"),
    "SOCIAL_HOUSING": ("Habitations à loyer modique", "Social housing"),
    # partnerships
    "AGREEMENT": ("Entente", "Agreement"),
    "JOINT_ACTIVITY": ("Activité commune", "Joint activity"),
    "SHARED_STAFF": ("Personnel partagé", "Shared staff"),
    "CO_LOCATION": ("Colocalisation", "Co-location"),
    "TABLE": ("Table de concertation", "Coordination table"),
    # statuses and events
    "SENT": ("Envoyée", "Sent"),
    "ACKNOWLEDGED": ("Reçue", "Acknowledged"),
    "ACCEPTED": ("Acceptée", "Accepted"),
    "CONTACTED": ("Famille contactée", "Family contacted"),
    "COMPLETED": ("Complétée", "Completed"),
    "NO_SHOW": ("Absence", "No-show"),
    "DECLINED": ("Refusée", "Declined"),
    "REDIRECTED": ("Réorientée", "Redirected"),
    "EXPIRED": ("Expirée", "Expired"),
    "CANCELLED": ("Annulée", "Cancelled"),
    "NOTE": ("Note", "Note"),
    "CONTACT_PURGED": ("Coordonnées effacées", "Contact details purged"),
    "CONSENT_WITHDRAWN": ("Consentement retiré", "Consent withdrawn"),
    # decline reasons
    "NO_CAPACITY": ("Manque de places", "No capacity"),
    "NOT_ELIGIBLE": ("Non admissible", "Not eligible"),
    "OUT_OF_TERRITORY": ("Hors territoire", "Out of territory"),
    "SERVICE_NOT_ADAPTED": ("Service non adapté", "Service not adapted"),
    "FAMILY_UNREACHABLE": ("Famille injoignable", "Family unreachable"),
    "FAMILY_DECLINED": ("La famille a refusé", "Family declined"),
    "DUPLICATE": ("Doublon", "Duplicate"),
    # urgency, consent
    "ROUTINE": ("Régulière", "Routine"),
    "PRIORITY": ("Prioritaire", "Priority"),
    "URGENT": ("Urgente", "Urgent"),
    "VERBAL": ("Verbal", "Verbal"),
    "WRITTEN": ("Écrit", "Written"),
    # roles
    "ORG_STAFF": ("Intervenant·e", "Staff"),
    "ORG_ADMIN": ("Administrateur·trice de l'organisme", "Organization admin"),
}


def label(code: str, lang: str = "fr") -> str:
    """Return the user-facing label of a vocabulary code in French or English.

    Unknown codes come back unchanged so a new code never breaks a page.
    """
    pair = _LABELS.get(code) or NEEDS.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "fr" else pair[1]
