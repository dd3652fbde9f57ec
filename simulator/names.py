"""French (Québec) names for territories, organizations and outreach places.

Names follow the patterns of the community sector ("Maison de la famille de
Bois-Joli", "CLSC Les Saules", "Banque alimentaire Saint-Firmin") and are unique
within a dataset: :class:`Namer` remembers what it gave out and qualifies a
name with a sector when the plain one is taken.
"""

from __future__ import annotations

import random
import unicodedata

__all__ = ["Namer", "de", "slug"]

TERRITORIES = (
    "Bois-Joli", "Les Saules", "Pointe-aux-Hérons", "Saint-Firmin", "Val-des-Érables",
    "Côte-des-Pins", "Rivière-aux-Outardes", "Sainte-Rose-des-Vents", "Mont-Bellevue",
    "Petite-Prairie", "Saint-Aubin", "Belle-Plaine", "Champ-Fleuri", "Les Rapides",
    "Sainte-Cécile", "Île-aux-Chênes", "Haut-Village", "Saint-Ambroise",
    "Notre-Dame-des-Champs", "Les Méandres", "Beaulac", "Grand-Pré", "Saint-Octave",
    "Anse-Bleue", "La Roseraie", "Le Faubourg", "Les Cascades", "Saint-Édouard",
    "Ormeaux", "La Petite-Patrie-du-Lac",
)  # fmt: skip

SECTORS = (
    "Les Érables", "La Gare", "Le Moulin", "Saint-Joseph", "Belle-Rive", "Les Tilleuls",
    "Le Ruisseau", "Les Cèdres", "Beauséjour", "Le Vieux-Village", "Les Hirondelles",
    "La Colline", "Les Pommiers", "Champfleury", "Le Domaine", "La Pinède", "Les Jardins",
    "Le Plateau", "La Traverse", "Les Îles", "L'Anse", "L'Érablière", "Les Peupliers",
    "Bellevue", "Le Carré", "Saint-Pierre", "Sainte-Anne", "Saint-Louis", "Saint-Rémi",
    "Les Lilas", "Le Coteau", "La Savane", "Les Ormes", "La Source", "Le Marais",
    "Les Prés", "La Fabrique", "Le Quai", "Les Bouleaux", "Sainte-Famille",
)  # fmt: skip

STREETS = (
    "Principale", "Laurier", "Papineau", "Beaubien", "Jarry", "Bélanger", "Masson",
    "Ontario", "Sainte-Catherine", "des Érables", "de la Gare", "du Moulin", "Notre-Dame",
    "Saint-Hubert", "Fleury", "Sauvé", "Monselet", "Lacordaire", "Pie-IX", "Langelier",
    "Curé-Labelle", "des Pins", "Saint-Joseph", "Champlain", "Frontenac", "Dorion",
)  # fmt: skip

PEOPLE = (
    "Gabrielle-Roy", "Félix-Leclerc", "Émile-Nelligan", "Anne-Hébert", "Marie-Victorin",
    "Marguerite-Bourgeoys", "Jeanne-Mance", "Louis-Fréchette", "Saint-Jean-Baptiste",
    "Sainte-Marguerite", "Jacques-Cartier", "Laure-Gaudreault", "Marie-Rollet",
    "Hélène-Boullé", "Fernand-Séguin", "Gilles-Vigneault", "Antonine-Maillet",
    "Pauline-Julien", "Roger-Lemelin", "Yves-Thériault", "Louis-Hémon", "Sainte-Bernadette",
    "Marie-Claire-Blais", "Jean-De La Lande", "Rose-des-Vents", "Simonne-Monet-Chartrand",
)  # fmt: skip

DAYCARES = (
    "Les Petits Pas", "La Ribambelle", "Les Lucioles", "Le Jardin des merveilles",
    "Les Petits Trésors", "L'Arc-en-ciel", "Les Bourgeons", "La Marelle", "Les Frimousses",
    "Pomme d'api", "Les Coccinelles", "Le Petit Monde", "Les Joyeux Lutins", "La Cigogne",
    "Les Moussaillons", "Tchou-Tchou", "Les Écureuils", "Les Papillons", "La Trottinette",
    "Les Petits Hiboux", "La Girandole", "Les Pitchounes", "Le Carrousel", "La Sauterelle",
    "Les Mésanges", "Le Nid", "La Courte Échelle", "Les Cerfs-volants", "Les Copains d'abord",
)  # fmt: skip

EMBLEMS = (
    "La Passerelle", "L'Envol", "Le Phare", "La Ruche", "Le Tournesol", "L'Escale",
    "La Boussole", "Le Relais", "L'Ancrage", "La Courtepointe", "Le Cercle", "L'Oasis",
    "La Source", "Le Pont", "La Maisonnée", "Le Havre", "L'Entre-deux", "La Grande Ourse",
)  # fmt: skip

PLACES: dict[str, tuple[str, ...]] = {
    "PARK": ("Parc {p}", "Parc {loc}", "Parc-école {p}", "Jardin communautaire {loc}"),
    "GROCERY": ("Épicerie de la rue {s}", "Supermarché {loc}", "Marché {q}", "Dépanneur {s}"),
    "MALL": ("Centre commercial {loc}", "Place {q}", "Galeries {loc}"),
    "STREET": ("Rue {s}", "Boulevard {s}", "Promenade {loc}", "Coin {s} et {s2}"),
    "FOOD_BANK": ("Distribution alimentaire {loc}", "Comptoir alimentaire de l'église {p}"),
    "THRIFT_STORE": ("Friperie {loc}", "Comptoir vestimentaire {loc}", "Ressourcerie {loc}"),
    "COMMUNITY_EVENT": (
        "Fête de quartier {loc}",
        "Fête familiale du parc {p}",
        "Marché de Noël {loc}",
        "Festival des familles {loc}",
        "Épluchette de blé d'Inde {loc}",
    ),
    "SCHOOL": ("Abords de l'école {p}", "Sortie des classes, école {p}"),
    "CHILDCARE": ("Abords du CPE {d}", "Halte-garderie {loc}"),
    "SOCIAL_HOUSING": ("HLM de la rue {s}", "Habitations {q}", "Secteur des HLM {loc}"),
    "OTHER": ("Buanderie de la rue {s}", "Bibliothèque {loc}", "Clinique sans rendez-vous {loc}"),
}

_VOWELS = "AEIOUYÉÈÊÎÏÔÛÀÂH"


def de(name: str) -> str:
    """``name`` introduced by the preposition *de*, with French contractions.

    >>> de("Bois-Joli"), de("Les Saules"), de("Le Moulin"), de("Île-aux-Chênes")
    ('de Bois-Joli', 'des Saules', 'du Moulin', "d'Île-aux-Chênes")
    """
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("La "):
        return "de la " + name[3:]
    if name.startswith("L'"):
        return "de l'" + name[2:]
    if name[:1].upper() in _VOWELS:
        return "d'" + name
    return "de " + name


def slug(name: str) -> str:
    """An upper-case ASCII code for a name: ``"Pointe-aux-Hérons"`` → ``"POINTE-AUX-HERONS"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(ascii_name.replace("'", " ").upper().replace("-", " ").split())


class Namer:
    """Hands out unique organization and place names."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def territories(self, count: int) -> list[str]:
        """``count`` distinct territory (neighbourhood) names."""
        names = list(TERRITORIES)
        self._rng.shuffle(names)
        extra = [f"{a}-{b.split()[-1]}" for a in SECTORS for b in TERRITORIES]
        return (names + extra)[:count]

    def organization(self, templates: tuple[str, ...], territory: str) -> str:
        """A new organization name from ``templates`` for ``territory``.

        A template's ``{loc}`` is a place introduced by *de* ("de Bois-Joli"),
        ``{q}`` a bare territory or sector name, ``{x}`` an emblem ("L'Envol"),
        ``{p}`` a person ("Gabrielle-Roy"), ``{d}`` a daycare name.
        """
        return self._unique(templates, territory)

    def place(self, kind: str, territory: str) -> str:
        """A new outreach place name for ``kind`` in ``territory``."""
        return self._unique(PLACES[kind], territory)

    def _unique(self, templates: tuple[str, ...], territory: str) -> str:
        rng = self._rng
        # Prefer the territory itself, then a sector of it, then qualify by sector.
        for attempt in range(60):
            sector = territory if attempt < 12 else rng.choice(SECTORS)
            name = self._fill(rng.choice(templates), sector)
            if attempt >= 40:
                name = f"{name}, secteur {rng.choice(SECTORS)}"
            if name not in self._taken:
                self._taken.add(name)
                return name
        for sector in SECTORS:  # exhaustive and deterministic as a last resort
            for template in templates:
                name = f"{self._fill(template, territory)} ({de(sector)}, {territory})"
                if name not in self._taken:
                    self._taken.add(name)
                    return name
        raise RuntimeError("ran out of unique names; add templates to simulator/names.py")

    def _fill(self, template: str, location: str) -> str:
        rng = self._rng
        street, street2 = rng.sample(STREETS, 2)
        loc = location if location.startswith(("du ", "de ", "des ", "d'")) else de(location)
        bare = location.split(" ", 1)[1] if loc is location else location
        return template.format(
            loc=loc,
            q=bare,
            x=rng.choice(EMBLEMS),
            p=rng.choice(PEOPLE),
            d=rng.choice(DAYCARES),
            s=street,
            s2=street2,
        )
