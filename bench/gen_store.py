"""Generate a large, realistic Décompte store fast, for the benchmarks.

    python bench/gen_store.py --db PATH [--pieces 1000000] [--dossiers 100000]
                                        [--structures 1250000] [--seed 1] [--force]

The schema is the real one (created and migrated by `open_store`). The bulk of the data goes in
through the raw sqlite3 connection of the store's engine, in large transactions, with the
secondary indexes dropped during the load and recreated afterwards from their own SQL (so the
store ends with exactly the migrated schema). Then a few users are created through the real API
(`sdk.org`), attached to the busiest MOE (a manager and a simple user), the busiest MOA, one
titulaire of that MOE ("supplier", for reads) and another one ("writer", for the write bench),
and written with their password to PATH + ".bench.json" for the other benches. The dossiers'
~10 pieces chain monthly cycles one after the other (the cadre table would start a new dossier
for each cycle); this keeps the requested shape, ~10 pieces per dossier, one live tip each.

The world: ~88 % private suppliers (contractors, a few % architects / engineering offices) and
~12 % public structures (communes, schools, hospitals... and the public accountants'
"services de gestion comptable"), all with valid SIRETs (Luhn on SIREN and SIRET). Marchés
have a public MOA, a private MOE, a private titulaire, a public financial service and sometimes
a sub-contractor; MOE and MOA are drawn with a Zipf law so that a few structures are very busy.
A billing file (dossier) is a chain of ~10 pieces (monthly cycles A4 → A15 → A19, A10 for
sub-contractors, or an end-of-contract A7 → A17 → A20 → A8); every piece but the tip is
ASSOCIEE (no holder), a few were refused on the way, and the tip is live (made available, taken,
suspended, completed, refused, at the validator) or, for a final cadre, taken (dossier closed).

Why it is long (~1 000 lines): a standalone benchmark script that writes every table of the
schema by hand, in bulk, for speed; nothing in the product imports it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stdnum import iban as stdnum_iban  # noqa: E402
from stdnum import luhn  # noqa: E402

from decompte.sdk import states as S  # noqa: E402
from decompte.sdk.cadres import CadreTable  # noqa: E402
from decompte.sdk.model import SPACE_WORKS, MemberRole  # noqa: E402
from decompte.sdk.org import Organisation  # noqa: E402
from decompte.sdk.store import open_store  # noqa: E402
from decompte.sdk.textkeys import key  # noqa: E402

BENCH_PASSWORD = "Bench-Decompte-2026"
CHUNK = 50_000
WINDOW_DAYS = 730  # issue dates spread over two years


def words(text: str) -> list[str]:
    return text.split()


# -- word lists ---------------------------------------------------------------------------------

# "postcode city" of real French communes; big cities weigh more (more structures there).
COMMUNES_TEXT = """
01000 Bourg-en-Bresse|01100 Oyonnax|01300 Belley|02000 Laon|02100 Saint-Quentin|02200 Soissons
02400 Château-Thierry|03000 Moulins|03100 Montluçon|03200 Vichy|04000 Digne-les-Bains
04100 Manosque|05000 Gap|05100 Briançon|06000 Nice|06400 Cannes|06600 Antibes|06130 Grasse
06500 Menton|07000 Privas|07100 Annonay|07200 Aubenas|08000 Charleville-Mézières|08200 Sedan
09000 Foix|09100 Pamiers|10000 Troyes|11000 Carcassonne|11100 Narbonne|12000 Rodez|12100 Millau
12200 Villefranche-de-Rouergue|13001 Marseille|13005 Marseille|13008 Marseille|13013 Marseille
13100 Aix-en-Provence|13200 Arles|13300 Salon-de-Provence|13400 Aubagne|13500 Martigues
14000 Caen|14100 Lisieux|14400 Bayeux|15000 Aurillac|16000 Angoulême|16100 Cognac
17000 La Rochelle|17100 Saintes|17200 Royan|17300 Rochefort|18000 Bourges|18100 Vierzon
19000 Tulle|19100 Brive-la-Gaillarde|20000 Ajaccio|20200 Bastia|21000 Dijon|21200 Beaune
22000 Saint-Brieuc|22100 Dinan|22300 Lannion|23000 Guéret|24000 Périgueux|24100 Bergerac
24200 Sarlat-la-Canéda|25000 Besançon|25200 Montbéliard|25300 Pontarlier|26000 Valence
26100 Romans-sur-Isère|26200 Montélimar|27000 Évreux|27200 Vernon|28000 Chartres|28100 Dreux
29000 Quimper|29200 Brest|29600 Morlaix|30000 Nîmes|30100 Alès|31000 Toulouse|31300 Toulouse
31700 Blagnac|31770 Colomiers|31800 Saint-Gaudens|32000 Auch|33000 Bordeaux|33120 Arcachon
33400 Talence|33500 Libourne|33600 Pessac|33700 Mérignac|34000 Montpellier|34200 Sète
34400 Lunel|34500 Béziers|35000 Rennes|35300 Fougères|35400 Saint-Malo|35500 Vitré
36000 Châteauroux|37000 Tours|37400 Amboise|37500 Chinon|38000 Grenoble|38200 Vienne
38300 Bourgoin-Jallieu|38400 Saint-Martin-d'Hères|38500 Voiron|39000 Lons-le-Saunier
39100 Dole|40000 Mont-de-Marsan|40100 Dax|41000 Blois|41100 Vendôme
41200 Romorantin-Lanthenay|42000 Saint-Étienne|42300 Roanne|42600 Montbrison
43000 Le Puy-en-Velay|44000 Nantes|44400 Rezé|44600 Saint-Nazaire|44800 Saint-Herblain
45000 Orléans|45130 Meung-sur-Loire|45160 Olivet|45200 Montargis|45300 Pithiviers|45500 Gien
45400 Fleury-les-Aubrais|45770 Saran|46000 Cahors|46100 Figeac|47000 Agen|47200 Marmande
47300 Villeneuve-sur-Lot|48000 Mende|49000 Angers|49300 Cholet|49400 Saumur|50000 Saint-Lô
50100 Cherbourg-en-Cotentin|50300 Avranches|50400 Granville|51000 Châlons-en-Champagne
51100 Reims|51200 Épernay|52000 Chaumont|52100 Saint-Dizier|52200 Langres|53000 Laval
54000 Nancy|54200 Toul|54300 Lunéville|54400 Longwy|54500 Vandœuvre-lès-Nancy
55000 Bar-le-Duc|55100 Verdun|56000 Vannes|56100 Lorient|56300 Pontivy|57000 Metz
57100 Thionville|57200 Sarreguemines|57600 Forbach|58000 Nevers|59000 Lille|59100 Roubaix
59200 Tourcoing|59300 Valenciennes|59400 Cambrai|59500 Douai|59140 Dunkerque|59600 Maubeuge
59650 Villeneuve-d'Ascq|60000 Beauvais|60100 Creil|60200 Compiègne|60300 Senlis
61000 Alençon|61100 Flers|62000 Arras|62100 Calais|62200 Boulogne-sur-Mer|62300 Lens
62400 Béthune|62500 Saint-Omer|63000 Clermont-Ferrand|63200 Riom|63300 Thiers|63500 Issoire
64000 Pau|64100 Bayonne|64200 Biarritz|64500 Saint-Jean-de-Luz|65000 Tarbes|65100 Lourdes
66000 Perpignan|67000 Strasbourg|67500 Haguenau|67600 Sélestat|67700 Saverne|68000 Colmar
68100 Mulhouse|68300 Saint-Louis|69001 Lyon|69003 Lyon|69007 Lyon|69100 Villeurbanne
69200 Vénissieux|69400 Villefranche-sur-Saône|69500 Bron|70000 Vesoul|71000 Mâcon
71100 Chalon-sur-Saône|71200 Le Creusot|71300 Montceau-les-Mines|72000 Le Mans
72200 La Flèche|73000 Chambéry|73100 Aix-les-Bains|73200 Albertville|74000 Annecy
74100 Annemasse|74200 Thonon-les-Bains|75001 Paris|75004 Paris|75008 Paris|75011 Paris
75012 Paris|75013 Paris|75015 Paris|75016 Paris|75017 Paris|75018 Paris|75019 Paris
75020 Paris|76000 Rouen|76200 Dieppe|76230 Bois-Guillaume|76300 Sotteville-lès-Rouen
76400 Fécamp|76600 Le Havre|77000 Melun|77100 Meaux|77200 Torcy|77300 Fontainebleau
77500 Chelles|78000 Versailles|78100 Saint-Germain-en-Laye|78200 Mantes-la-Jolie
78300 Poissy|78500 Sartrouville|79000 Niort|79100 Thouars|79300 Bressuire|80000 Amiens
80100 Abbeville|81000 Albi|81100 Castres|82000 Montauban|83000 Toulon|83300 Draguignan
83400 Hyères|83500 La Seyne-sur-Mer|83600 Fréjus|84000 Avignon|84100 Orange
84200 Carpentras|84300 Cavaillon|85000 La Roche-sur-Yon|85100 Les Sables-d'Olonne
85200 Fontenay-le-Comte|86000 Poitiers|86100 Châtellerault|87000 Limoges|88000 Épinal
88100 Saint-Dié-des-Vosges|89000 Auxerre|89100 Sens|90000 Belfort|91000 Évry-Courcouronnes
91100 Corbeil-Essonnes|91120 Palaiseau|91300 Massy|91700 Sainte-Geneviève-des-Bois
92000 Nanterre|92100 Boulogne-Billancourt|92130 Issy-les-Moulineaux|92200 Neuilly-sur-Seine
92270 Bois-Colombes|92300 Levallois-Perret|92400 Courbevoie|92500 Rueil-Malmaison
93000 Bobigny|93100 Montreuil|93110 Rosny-sous-Bois|93200 Saint-Denis|93300 Aubervilliers
94000 Créteil|94100 Saint-Maur-des-Fossés|94120 Fontenay-sous-Bois|94200 Ivry-sur-Seine
94300 Vincennes|94400 Vitry-sur-Seine|95000 Cergy|95100 Argenteuil|95200 Sarcelles
95300 Pontoise|97100 Basse-Terre|97110 Pointe-à-Pitre|97200 Fort-de-France|97300 Cayenne
97400 Saint-Denis|97410 Saint-Pierre|97600 Mamoudzou
"""
BIG_CITIES = {
    "Toulouse": 3,
    "Nice": 4,
    "Nantes": 5,
    "Montpellier": 5,
    "Strasbourg": 5,
    "Bordeaux": 5,
    "Lille": 5,
    "Rennes": 4,
    "Reims": 3,
    "Toulon": 3,
    "Saint-Étienne": 3,
    "Le Havre": 3,
    "Grenoble": 4,
    "Dijon": 3,
    "Angers": 3,
    "Nîmes": 3,
    "Clermont-Ferrand": 3,
    "Aix-en-Provence": 3,
    "Brest": 3,
    "Tours": 3,
    "Amiens": 3,
    "Limoges": 3,
    "Metz": 3,
    "Orléans": 3,
    "Rouen": 3,
    "Caen": 3,
    "Nancy": 3,
    "Paris": 2,
    "Lyon": 3,
    "Marseille": 3,
}

SURNAMES = words(
    """MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL
LEFÈVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU
VINCENT MULLER LEFEBVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS
LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON
MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY
RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE RENARD SCHMITT ROY LEROUX
COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE
BOURGEOIS PIERRE BENOÎT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE DESBOIS BOISSEAU
BOISSON CHARPENTIER TESSIER PRÉVOST LEBRETON HUET BESNARD COLLET PASQUIER BOUCHER PERRET
MAILLARD CHAUVIN COUSIN LEBLANC BAILLY HERVÉ GUICHARD CARRÉ BOUVIER JACOB WEBER KLEIN"""
)
FIRST_NAMES = words(
    """marie jean pierre michel anne philippe nathalie isabelle sophie nicolas julien
camille thomas claire laurent julie antoine céline david sandrine olivier emilie christophe
aurélie francois hélène sébastien lucie vincent pauline mathieu"""
)
ACTIVITIES = """BÂTIMENT|BATIMENTS|BATI SERVICES|BATIR ET RENOVER|BATISSEURS ASSOCIES|CONSTRUCTIONS
|ENTREPRISE GÉNÉRALE|MENUISERIE|MENUISERIES BOIS|CHARPENTE|CHARPENTES BOIS|COUVERTURE
|ÉLECTRICITÉ|ÉLECTRICITÉ GÉNÉRALE|PLOMBERIE|CHAUFFAGE|PLOMBERIE CHAUFFAGE|MAÇONNERIE|PEINTURE
|PEINTURES ET REVÊTEMENTS|TERRASSEMENT|TRAVAUX PUBLICS|VOIRIE ET RÉSEAUX|ÉTANCHÉITÉ
|SERRURERIE|MÉTALLERIE|CARRELAGE|PLÂTRERIE|ISOLATION|GÉNIE CIVIL|ÉCHAFAUDAGES|ASCENSEURS
|ESPACES VERTS|PAYSAGES|DÉMOLITION|FAÇADES|VITRERIE|CLIMATISATION|SOLS SOUPLES
|BOIS CONSTRUCTION|PARQUETS|TOITURES|SCIERIE|AGENCEMENT""".replace("\n", "").split("|")
FORMS = ["SA", "SAS", "SARL", "SARL", "EURL", "SASU", "SNC"]
MOE_PATTERNS = [
    "ATELIER {s} ARCHITECTES",
    "{s} ARCHITECTURE",
    "CABINET {s} ARCHITECTE",
    "AGENCE {s} ET {t} ARCHITECTES",
    "BET {s} INGÉNIERIE",
    "BUREAU D'ÉTUDES {s}",
    "{s} MAÎTRISE D'ŒUVRE",
    "ARCHITECTES ASSOCIÉS {s} {t}",
]
PERSONS = """JULES FERRY|JEAN MOULIN|VICTOR HUGO|JEAN JAURÈS|LOUIS PASTEUR|MARIE CURIE
|JACQUES PRÉVERT|ALBERT CAMUS|JEAN DE LA FONTAINE|PAUL ÉLUARD|ANATOLE FRANCE|GEORGES BRASSENS
|SIMONE VEIL|ÉMILE ZOLA|CHARLES DE GAULLE|ANTOINE DE SAINT-EXUPÉRY|LÉONARD DE VINCI
|CAMILLE CLAUDEL|JEAN ROSTAND|ROMAIN ROLLAND|HENRI WALLON|LOUISE MICHEL|JEAN MACÉ
|PABLO PICASSO|LES BOIS FLEURIS|ARISTIDE BRIAND|GUSTAVE EIFFEL|CONDORCET|MONTAIGNE|COLETTE
""".replace("\n", "").split("|")
PUBLIC_PATTERNS = [
    ("COMMUNE {de}", 30),
    ("VILLE {de}", 6),
    ("CENTRE COMMUNAL D'ACTION SOCIALE {de}", 6),
    ("COLLÈGE {p}", 10),
    ("LYCÉE {p}", 7),
    ("ÉCOLE ÉLÉMENTAIRE {p}", 8),
    ("CENTRE HOSPITALIER {de}", 5),
    ("OFFICE PUBLIC DE L'HABITAT {de}", 4),
    ("COMMUNAUTÉ D'AGGLOMÉRATION {de}", 4),
    ("COMMUNAUTE DE COMMUNES DU PAYS {de}", 6),
    ("SYNDICAT INTERCOMMUNAL DES EAUX {de}", 6),
    ("SDIS - CASERNE {de}", 3),
    ("EHPAD {p}", 5),
]
STREETS = """RUE DES ARTISANS|RUE DE LA GARE|AVENUE DU GÉNÉRAL DE GAULLE|RUE JEAN JAURÈS
|RUE DE LA RÉPUBLIQUE|BOULEVARD VICTOR HUGO|RUE DES ÉCOLES|RUE DU MOULIN|CHEMIN DES BOIS
|AVENUE PASTEUR|RUE DE L'ÉGLISE|RUE DU STADE|ALLÉE DES LILAS|ROUTE DE PARIS|RUE NATIONALE
|RUE DE LA PAIX|PLACE DES TILLEULS|RUE DU 8 MAI 1945|AVENUE DE LA LIBÉRATION
|ZONE ARTISANALE DES PRÉS|IMPASSE DES VIGNES|RUE DES FORGES|RUE DU COMMERCE""".replace(
    "\n", ""
).split("|")
WORKS = [
    "Réhabilitation de",
    "Construction de",
    "Extension de",
    "Rénovation énergétique de",
    "Mise en accessibilité de",
    "Restructuration de",
    "Désamiantage de",
    "Réfection de",
]
BUILDINGS = [
    "l'école Jules Ferry",
    "la salle polyvalente",
    "la mairie",
    "la médiathèque",
    "un gymnase",
    "la piscine municipale",
    "la voirie rue des Tilleuls",
    "la crèche municipale",
    "l'église Saint-Martin",
    "la caserne de pompiers",
    "l'EHPAD",
    "un groupe scolaire",
    "la station d'épuration",
    "un centre technique",
    "la halle du marché",
]
MARCHE_CODES = ["TRV", "BAT", "VOI", "ECO", "GYM", "RES", "ASS", "ENR", "VRD", "REH"]

# -- cadres and chains --------------------------------------------------------------------------

A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
A10 = "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT"
A15 = "A15_ETAT_ACOMPTE_MOE"
A19 = "A19_ETAT_ACOMPTE_VALIDE_MOA"
A7 = "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR"
A17 = "A17_PROJET_DECOMPTE_GENERAL_MOE"
A20 = "A20_DECOMPTE_GENERAL_MOA"
A8 = "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR"
KIND_F, KIND_ST, KIND_FIN = 0, 1, 2
PATTERNS = {KIND_F: (A4, A15, A19), KIND_ST: (A10, A15, A19), KIND_FIN: (A7, A17, A20, A8)}
PREFIXES = {A4: "PDM", A10: "ST-PDM", A15: "EA", A19: "EAV", A7: "PDF", A17: "PDG", A20: "DG"}
PREFIXES[A8] = "DGD"
HOLDER_TEXT = {
    "MOE": "la maîtrise d'œuvre",
    "MOA": "la maîtrise d'ouvrage",
    "SERVICE_FINANCIER": "le service financier",
    "FOURNISSEUR": "le fournisseur",
}
REFUSAL_REASONS = [
    "Le bon de commande n'est pas joint",
    "Montant non conforme à l'avancement constaté",
    "Le destinataire indiqué n'est pas le bon",
    "Pièce déposée sur le mauvais marché",
]
SUSPEND_REASONS = ["Numéro d'engagement manquant", "Situation de travaux non signée"]


def de(city_upper: str) -> str:
    """French 'de' with elision and contraction: DE ROUEN, D'ORLÉANS, DU MANS, DES SABLES."""
    if city_upper.startswith("LE "):
        return "DU " + city_upper[3:]
    if city_upper.startswith("LES "):
        return "DES " + city_upper[4:]
    if city_upper[0] in "AEIOUYÉÈÊÂÎÔ":
        return "D'" + city_upper
    return "DE " + city_upper


def zipf_cum(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))


def fmt_dt(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME storage format (always with microseconds)."""
    return value.isoformat(sep=" ", timespec="microseconds")


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = datetime.now().replace(microsecond=0)
        self.today = self.now.date()
        self.window_start = self.today - timedelta(days=WINDOW_DAYS)
        self.cadres = CadreTable()
        self.communes = []
        weights = []
        for item in COMMUNES_TEXT.replace("\n", "|").split("|"):
            if not item.strip():
                continue
            postcode, city = item.strip().split(" ", 1)
            self.communes.append((postcode, city, city.upper(), key(city)))
            weights.append(BIG_CITIES.get(city, 1))
        self.commune_cum = list(itertools.accumulate(weights))
        self.keys: dict[str, str] = {}
        self.timings: list[tuple[str, float]] = []

    # -- helpers ---------------------------------------------------------------------------------
    def phase(self, label: str, started: float) -> float:
        now = time.perf_counter()
        self.timings.append((label, now - started))
        print(f"  {label:<34} {now - started:7.1f} s", flush=True)
        return now

    def name_key(self, name: str) -> str:
        found = self.keys.get(name)
        if found is None:
            found = self.keys[name] = key(name)
        return found

    # -- structures ------------------------------------------------------------------------------
    def structures(self, con) -> None:  # type: ignore[no-untyped-def]
        """Entities (SIREN) with one or more establishments (SIRET), shuffled ids."""
        rng, n = self.rng, self.args.structures
        n_public = round(n * 0.12)
        n_private = n - n_public
        rows: list[tuple] = []
        cats: list[int] = []  # 0 contractor, 1 MOE, 2 public buyer, 3 accountant (SGC)
        # Bijections onto disjoint SIREN ranges: public 1xxxxxxx-2xxxxxxx, private 3..9.
        spaces = {
            False: (30_000_000, 69_999_999, 7_654_321),
            True: (10_000_000, 19_999_999, 7_654_319),
        }
        sgc_cities = list(range(len(self.communes)))
        made = {False: 0, True: 0}
        entity = {False: 0, True: 0}
        for public, total in ((True, n_public), (False, n_private)):
            base, modulo, mult = spaces[public]
            sgc_left = sgc_cities[:] if public else []
            while made[public] < total:
                j = entity[public]
                entity[public] += 1
                body = base + (j * mult) % modulo
                if body == 35_600_000:  # La Poste's SIREN range has another key rule
                    body = 99_999_999
                siren8 = str(body)
                siren = siren8 + luhn.calc_check_digit(siren8)
                commune = self.communes[
                    rng.choices(range(len(self.communes)), cum_weights=self.commune_cum)[0]
                ]
                if public:
                    if sgc_left:
                        commune = self.communes[sgc_left.pop()]
                        cat = 3
                        name = "SERVICE DE GESTION COMPTABLE " + de(commune[2])
                        count = 1
                    else:
                        cat = 2
                        pattern = rng.choices(
                            PUBLIC_PATTERNS, weights=[w for _, w in PUBLIC_PATTERNS]
                        )
                        name = pattern[0][0].format(de=de(commune[2]), p=rng.choice(PERSONS))
                        count = min(1 + int(rng.expovariate(0.6)), 9)
                    routing = (
                        "none"
                        if cat == 3
                        else rng.choices(
                            ("none", "service_or_engagement", "engagement", "service"),
                            weights=(70, 15, 10, 5),
                        )[0]
                    )
                else:
                    routing = "none"
                    s, t = rng.choice(SURNAMES), rng.choice(SURNAMES)
                    if rng.random() < 0.04:
                        cat = 1
                        name = rng.choice(MOE_PATTERNS).format(s=s, t=t)
                    else:
                        cat = 0
                        act = rng.choice(ACTIVITIES)
                        r = rng.random()
                        if r < 0.35:
                            name = f"{act} {s}"
                        elif r < 0.55:
                            name = f"{s} {act}"
                        elif r < 0.65:
                            name = f"{s} ET FILS"
                        elif r < 0.80:
                            name = f"{act} {de(commune[2])}"
                        elif r < 0.90:
                            name = f"SOCIÉTÉ {act} {s}"
                        else:
                            name = f"{s} {t}"
                        if rng.random() < 0.45:
                            name += " " + rng.choice(FORMS)
                    r = rng.random()
                    count = 1 if r < 0.86 else (2 if r < 0.95 else rng.randint(3, 6))
                nk = self.name_key(name)
                for k in range(min(count, total - made[public])):
                    prefix13 = f"{siren}{k + 1:04d}"
                    siret = prefix13 + luhn.calc_check_digit(prefix13)
                    postcode, city, _upper, city_key = commune
                    line1 = (
                        "1 PLACE DE LA MAIRIE"
                        if public and k == 0
                        else f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
                    )
                    active = 0 if rng.random() < 0.02 else 1
                    rows.append(
                        (siret, name, nk, name, line1, postcode, city, city_key, active,
                         int(public), routing)
                    )  # fmt: skip
                    cats.append(cat)
                    made[public] += 1
        order = list(range(len(rows)))
        rng.shuffle(order)
        self.cat = bytearray(len(rows) + 1)
        self.struct_city = [0] * (len(rows) + 1)
        by_city: dict[str, list[int]] = {}
        ordered: list[tuple] = [()] * len(rows)
        for g, position in enumerate(order):
            ordered[position] = rows[g]
            self.cat[position + 1] = cats[g]
        self.struct_row = ordered  # index id-1
        for sid0, row in enumerate(ordered):
            if self.cat[sid0 + 1] == 3:
                by_city.setdefault(row[7], []).append(sid0 + 1)
        self.sgc_by_city = by_city
        sql = (
            "INSERT INTO structures (id, identifier, identifier_type, name, name_key, label, "
            "line1, postcode, city, city_key, country, active, public, routing_mode) "
            "VALUES (?, ?, 'SIRET', ?, ?, ?, ?, ?, ?, ?, 'FR', ?, ?, ?)"
        )
        con.execute("BEGIN")
        for start in range(0, len(ordered), CHUNK):
            con.executemany(
                sql,
                ((start + i + 1, *row) for i, row in enumerate(ordered[start : start + CHUNK])),
            )
        con.executemany(
            "INSERT INTO structure_spaces (structure_id, space, mode) VALUES (?, ?, ?)",
            ((sid, SPACE_WORKS, "MODIFICATION") for sid in range(1, len(ordered) + 1)),
        )
        con.execute("COMMIT")
        self.n_structures = len(ordered)
        self.n_public = n_public

    # -- marchés ---------------------------------------------------------------------------------
    def marches(self, con) -> None:  # type: ignore[no-untyped-def]
        rng = self.rng
        pools: dict[int, list[int]] = {0: [], 1: [], 2: [], 3: []}
        for sid in range(1, self.n_structures + 1):
            if self.struct_row[sid - 1][8]:  # active
                pools[self.cat[sid]].append(sid)
        moe_pool = pools[1][:6000]
        moa_pool = pools[2][:20000]
        tit_pool = pools[0][:40000]
        n = max(1, self.args.dossiers // 5)
        moes = rng.choices(moe_pool, cum_weights=zipf_cum(len(moe_pool), 1.0), k=n)
        moas = rng.choices(moa_pool, cum_weights=zipf_cum(len(moa_pool), 1.0), k=n)
        tits = rng.choices(tit_pool, cum_weights=zipf_cum(len(tit_pool), 0.7), k=n)
        sgc_all = pools[3]
        self.m_moe, self.m_moa, self.m_tit, self.m_sf, self.m_st = moes, moas, tits, [], []
        self.m_number, self.m_ej, self.m_service = [], [], []
        actors, engagements, marche_rows = [], [], []
        for m in range(n):
            moa = moas[m]
            local = self.sgc_by_city.get(self.struct_row[moa - 1][7])
            sf = local[0] if local else sgc_all[moa % len(sgc_all)]
            st = 0
            if rng.random() < 0.3:
                st = rng.choice(pools[0])
                if st == tits[m]:
                    st = 0
            self.m_sf.append(sf)
            self.m_st.append(st)
            year = (self.window_start + timedelta(days=rng.randrange(WINDOW_DAYS // 2))).year
            number = f"{year}-{rng.choice(MARCHE_CODES)}-{m + 1:05d}"
            ej = f"EJ{year}{m + 1:06d}"
            service = "SERVICES_TECHNIQUES" if rng.random() < 0.2 else ""
            self.m_number.append(number)
            self.m_ej.append(ej)
            self.m_service.append(service)
            mid = m + 1
            marche_rows.append((mid, number, f"{rng.choice(WORKS)} {rng.choice(BUILDINGS)}"))
            engagements.append((mid, ej))
            actors += [
                (mid, moa, "MOA", service, 0, None),
                (mid, moes[m], "MOE", "", 0, None),
                (mid, tits[m], "FOURNISSEUR", "", 0, None),
                (mid, sf, "SERVICE_FINANCIER", "", 0, None),
            ]
            if st:
                actors.append((mid, st, "SOUSTRAITANT", "", 1, tits[m]))
        con.execute("BEGIN")
        con.executemany("INSERT INTO marches (id, number, object) VALUES (?, ?, ?)", marche_rows)
        con.executemany(
            "INSERT INTO marche_engagements (marche_id, number) VALUES (?, ?)", engagements
        )
        con.executemany(
            "INSERT INTO marche_actors (marche_id, structure_id, role, service_code, "
            "direct_payment, validator_structure_id) VALUES (?, ?, ?, ?, ?, ?)",
            actors,
        )
        # One principal manager per structure that acts on a marché; suppliers' bank details.
        acting = sorted({a[1] for a in actors})
        self.user_of: dict[int, tuple[int, str]] = {}
        users, members = [], []
        for uid, sid in enumerate(acting, start=1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            login = f"{key(first).lower()}.{key(last).lower().replace(' ', '-')}.{sid}@exemple.fr"
            self.user_of[sid] = (uid, login)
            users.append((uid, login, login, key(last), first.capitalize()))
            members.append((uid, sid, str(MemberRole.GP)))
        con.executemany(
            "INSERT INTO users (id, login, email, last_name, first_name, password_hash, active, "
            "activation_code, failed_logins) VALUES (?, ?, ?, ?, ?, '', 1, '', 0)",
            users,
        )
        con.executemany(
            "INSERT INTO memberships (user_id, structure_id, role) VALUES (?, ?, ?)", members
        )
        suppliers = sorted(set(tits) | {s for s in self.m_st if s})
        self.iban_of = {sid: self.iban(sid) for sid in suppliers}
        con.executemany(
            "INSERT INTO bank_accounts (structure_id, label, iban, bic) VALUES (?, ?, ?, '')",
            ((sid, "Compte courant", self.iban_of[sid]) for sid in suppliers),
        )
        con.execute("COMMIT")
        self.n_marches, self.n_users, self.n_actors = n, len(users), len(actors)

    def iban(self, sid: int) -> str:
        rng = random.Random(sid)
        bank, branch = f"{rng.randint(10000, 30099):05d}", f"{rng.randint(1, 99999):05d}"
        account = f"{rng.randint(0, 10**11 - 1):011d}"
        rib = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
        bban = f"{bank}{branch}{account}{rib:02d}"
        return f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"

    # -- dossiers and pieces -----------------------------------------------------------------
    def lengths(self) -> tuple[list[int], list[int]]:
        """Per dossier: kind and number of pieces, summing exactly to --pieces."""
        rng, nd, npieces = self.rng, self.args.dossiers, self.args.pieces
        kinds, lengths = [], []
        for _d in range(nd):
            r = rng.random()
            kinds.append(KIND_FIN if r < 0.06 else (KIND_ST if r < 0.16 else KIND_F))
        for kind in kinds:
            if kind == KIND_FIN:
                lengths.append(rng.randint(1, 4))
            else:  # the tip: A4/A10 (at the MOE) 50 %, A15 (at the MOA) 25 %, A19 25 %
                lengths.append(rng.choices((1, 2, 3), weights=(50, 25, 25))[0])
        cyclic = [d for d in range(nd) if kinds[d] != KIND_FIN]
        left = npieces - sum(lengths)
        while left < 0:  # fewer pieces than tips: shorten
            d = rng.randrange(nd)
            if lengths[d] > 1:
                lengths[d] -= 1
                left += 1
        if cyclic:
            for _ in range(left // 3):
                lengths[rng.choice(cyclic)] += 3
            for _ in range(left % 3):
                lengths[rng.choice(cyclic)] += 1
        else:
            for _ in range(left):
                lengths[rng.randrange(nd)] += 1
        for d in range(nd):  # sub-contractor dossiers need a marché with a sub-contractor
            if kinds[d] == KIND_ST:
                kinds[d] = -1  # decided with the marché
        return kinds, lengths

    def plan(self) -> None:
        """Pass 1: every piece's dates, state and holder, and its events (as specs)."""
        rng, cad = self.rng, self.cadres
        kinds, lengths = self.lengths()
        self.d_marche, self.d_kind, self.d_supplier, self.d_status = [], [], [], []
        self.d_closed_at, self.d_moe_on, self.d_len = [], [], lengths
        self.held: Counter[tuple[int, str]] = Counter()
        specs: list[tuple] = []
        now, today = self.now, self.today
        for d in range(self.args.dossiers):
            m = rng.randrange(self.n_marches)
            kind = kinds[d]
            if kind == -1:
                kind = KIND_ST if self.m_st[m] else KIND_F
            moe, moa, tit, sf, st = (
                self.m_moe[m], self.m_moa[m], self.m_tit[m], self.m_sf[m], self.m_st[m]
            )  # fmt: skip
            supplier = st if kind == KIND_ST else tit
            by_role = {"FOURNISSEUR": tit, "SOUSTRAITANT": st, "MOE": moe, "MOA": moa}
            by_role["SERVICE_FINANCIER"] = sf
            target_of = {"MOE": moe, "MOA": moa, "SERVICE_FINANCIER": sf, "FOURNISSEUR": supplier}
            pattern = PATTERNS[kind]
            n = lengths[d]
            # Dates: the tip is recent when the file is open, anywhere when it ends closed.
            steps, step, refused_at = [], 0, set()
            for pos in range(n):
                steps.append(
                    pattern[min(step, len(pattern) - 1)] if kind == KIND_FIN else pattern[step % 3]
                )
                if 0 < pos < n - 1 and rng.random() < 0.03:
                    refused_at.add(pos)  # refused on the way: the next piece re-deposits it
                else:
                    step += 1
            tip_cadre = cad.get(steps[-1])
            closing = tip_cadre.final and rng.random() < 0.55
            back = rng.randint(1, WINDOW_DAYS - 30) if closing else 1 + int(rng.expovariate(1 / 30))
            tip_day = today - timedelta(days=min(back, WINDOW_DAYS - 30))
            gaps = [rng.randint(3, 21) for _ in range(n - 1)]
            room = (tip_day - self.window_start).days
            if sum(gaps) > room:
                scale = room / sum(gaps)
                gaps = [max(1, int(g * scale)) for g in gaps]
                if sum(gaps) > room:
                    tip_day = self.window_start + timedelta(days=sum(gaps))
            days = [tip_day]
            for g in reversed(gaps):
                days.append(days[-1] - timedelta(days=g))
            days.reverse()
            stamps = [
                datetime(x.year, x.month, x.day, 8 + rng.randrange(11), rng.randrange(60))
                + timedelta(seconds=rng.randrange(60))
                for x in days
            ]
            status, closed_at = "EN_COURS", None
            prev_live = -1  # the last piece that was not refused
            for pos in range(n):
                code = steps[pos]
                c = cad.get(code)
                dep_role = str(c.depositor)
                depositor = by_role[dep_role]
                acting = dep_role + (f"/{c.on_behalf_of}" if c.on_behalf_of else "")
                next_role = str(c.next_role)
                target = target_of[next_role]
                dep = stamps[pos]
                validator = tit if c.validated else None
                initial = (
                    "MISE_A_DISPOSITION_PREMIER_VALIDEUR"
                    if validator
                    else S.available_state(next_role)
                )
                events: list[tuple] = []  # (at, structure, acting role, action, from, to, reason)
                tip = pos == n - 1
                downloaded = 0
                if not tip and pos not in refused_at:
                    state, holder, role, since = "ASSOCIEE", None, "", None
                    state_day, version = days[pos + 1], 3 if pos + 1 in refused_at else 2
                    pre = "VALIDEE_PAR_PREMIER_VALIDEUR" if validator else initial
                else:
                    pre = initial
                    at = dep + timedelta(days=rng.randint(0, 4), minutes=rng.randint(5, 300))
                    if not tip:
                        at = min(at, stamps[pos + 1] - timedelta(minutes=30))
                    at = max(min(at, now), dep + timedelta(minutes=1))
                    day = at.date()
                    holder_role, target_now = next_role, target
                    if validator and (pos in refused_at or rng.random() < 0.45):
                        holder_role, target_now = "PREMIER_VALIDEUR", validator
                    elif validator:  # validated by the titulaire, so now at the MOE
                        pre = "VALIDEE_PAR_PREMIER_VALIDEUR"
                        events.append(
                            (at, validator, "PREMIER_VALIDEUR", "validate", initial, pre,
                             f"Transmise à {HOLDER_TEXT[next_role]}")
                        )  # fmt: skip
                        at = min(at + timedelta(hours=2), now)
                        day = at.date()
                    r = rng.random()
                    if pos in refused_at or (not closing and r >= 0.90):
                        motive = rng.choice(sorted(S.REFUSAL_MOTIVES[holder_role]))
                        state = S.refused_state(holder_role, motive)
                        holder, role, since, state_day = depositor, "DEPOSANT", day, day
                        version = 2 + len(events)
                        events.append(
                            (at, target_now, holder_role, "refuse", pre, state,
                             rng.choice(REFUSAL_REASONS))
                        )  # fmt: skip
                        if pos == 0:
                            status, closed_at = "REFUSE", at
                    elif holder_role == "PREMIER_VALIDEUR":
                        state, holder, role = initial, validator, holder_role
                        since, state_day, version = dep.date(), dep.date(), 1
                    elif closing or (0.50 <= r < 0.75 and not tip_cadre.final):
                        state = S.taken_state(holder_role)
                        holder, role = target_now, holder_role
                        since = events[-1][0].date() if events else dep.date()
                        state_day, version = day, 2 + len(events)
                        downloaded = int(rng.random() < 0.4)
                        events.append((at, target_now, holder_role, "take", pre, state, ""))
                        if closing:
                            status, closed_at = "TERMINE", at
                    elif r >= 0.75 and holder_role in S.SUSPENDERS and not events:
                        events.append(
                            (at, target_now, holder_role, "suspend", pre, "SUSPENDUE",
                             rng.choice(SUSPEND_REASONS))
                        )  # fmt: skip
                        if r < 0.80:
                            done = max(
                                min(at + timedelta(days=rng.randint(0, 3), hours=2), now), at
                            )
                            events.append(
                                (done, depositor, "DEPOSANT", "complete", "SUSPENDUE",
                                 "COMPLETEE", "Informations complétées")
                            )  # fmt: skip
                            state, holder, role = "COMPLETEE", target_now, holder_role
                            since = state_day = done.date()
                            version = 3
                        else:
                            state, holder, role = "SUSPENDUE", depositor, "DEPOSANT"
                            since, state_day, version = day, day, 2
                    else:  # made available (or validated), waiting for its holder
                        since = events[-1][0].date() if events else dep.date()
                        state, holder, role = pre, target_now, holder_role
                        state_day, version = since, 1 + len(events)
                if holder is not None:
                    self.held[(holder, role)] += 1
                specs.append(
                    (dep, d, pos, code, depositor, acting, prev_live, state, state_day, holder,
                     role, since, version, downloaded, target, validator, events, pre, initial)
                )  # fmt: skip
                if pos not in refused_at:
                    prev_live = pos
            self.d_marche.append(m)
            self.d_kind.append(kind)
            self.d_supplier.append(supplier)
            self.d_status.append(status)
            self.d_closed_at.append(closed_at)
            first_at_validator = kind == KIND_ST and n == 1 and specs[-1][10] == "PREMIER_VALIDEUR"
            self.d_moe_on.append(None if first_at_validator else days[0])
        specs.sort(key=lambda spec: (spec[0], spec[1], spec[2]))
        self.specs = specs

    def write_pieces(self, con) -> None:  # type: ignore[no-untyped-def]
        """Pass 2: in deposit order (ids follow time), with per-depositor numbering."""
        rng, cad = self.rng, self.cadres
        dossier_id = [0] * self.args.dossiers
        piece_ids: list[list[int]] = [[0] * n for n in self.d_len]
        pres: list[list[str]] = [[""] * n for n in self.d_len]
        associated: set[int] = set()
        counters: Counter[int] = Counter()
        amounts = {}
        d_rows: list[tuple] = []
        next_dossier = 1
        p_rows, v_rows, e_rows = [], [], []
        piece_sql = (
            "INSERT INTO pieces (id, dossier_id, previous_id, cadre, number, issue_date, due_date, "
            "currency, vat_type, exemption_motive, payment_mode, engagement, service_code, iban, "
            "bic, total_ht, total_vat, total_ttc, discount_ttc, prepaid, amount_due, marche_id, "
            "depositor_structure_id, depositor_user_id, supplier_structure_id, "
            "recipient_structure_id, moe_structure_id, moa_structure_id, validator1_structure_id, "
            "validator2_structure_id, next_structure_id, state, state_date, holder_structure_id, "
            "holder_role, holder_since, deposited_at, certificate, file_sha256, file_name, "
            "file_format, downloaded, comment, version) VALUES (?, ?, ?, ?, ?, ?, NULL, 'EUR', ?, "
            "'', 'VIREMENT', ?, ?, ?, '', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, "
            "?, ?, ?, ?, ?, NULL, '', '', ?, '', ?)"
        )
        event_sql = (
            "INSERT INTO events (piece_id, dossier_id, at, user_id, user_login, structure_id, "
            "acting_role, action, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)"
        )
        vat_sql = (
            "INSERT INTO piece_vat_lines (piece_id, position, rate, base, amount) "
            "VALUES (?, 0, ?, ?, ?)"
        )
        user_of = self.user_of

        def flush() -> None:
            con.executemany(piece_sql, p_rows)
            con.executemany(vat_sql, v_rows)
            con.executemany(event_sql, e_rows)
            p_rows.clear()
            v_rows.clear()
            e_rows.clear()

        con.execute("BEGIN")
        for pid, spec in enumerate(self.specs, start=1):
            (dep, d, pos, code, depositor, acting, prev, state, state_day, holder, role, since,
             version, downloaded, target, validator, events, pre, initial) = spec  # fmt: skip
            m = self.d_marche[d]
            if pos == 0:
                dossier_id[d] = next_dossier
                next_dossier += 1
                base = int(min(max(rng.lognormvariate(10.3, 0.9), 800), 2_000_000) * 100)
                rate = rng.choices(("20", "10", "5.5"), weights=(80, 12, 8))[0]
                amounts[d] = (base, rate)
            did = dossier_id[d]
            counters[depositor] += 1
            number = f"{PREFIXES[code]}-{dep.year}-{counters[depositor]:05d}"
            piece_ids[d][pos] = pid
            pres[d][pos] = pre
            if pos == 0:
                c0 = cad.get(code)
                d_rows.append(
                    (did, number, m + 1, self.d_supplier[d], c0.phase, self.d_status[d],
                     fmt_dt(dep),
                     self.d_moe_on[d].isoformat() if self.d_moe_on[d] else None,
                     fmt_dt(self.d_closed_at[d]) if self.d_closed_at[d] else None)
                )  # fmt: skip
            base, rate = amounts[d]
            ht = int(base * rng.uniform(0.6, 1.4))
            vat = (ht * (55 if rate == "5.5" else int(rate) * 10) + 500) // 1000
            previous_id = piece_ids[d][prev] if prev >= 0 else None
            uid, login = user_of[depositor]
            issue = max(dep.date() - timedelta(days=rng.randint(0, 4)), self.window_start)
            p_rows.append(
                (pid, did, previous_id, code, number, issue.isoformat(),
                 "ENCAISSEMENTS" if rng.random() < 0.1 else "DEBITS", self.m_ej[m],
                 self.m_service[m], self.iban_of[self.d_supplier[d]], ht, vat, ht + vat, ht + vat,
                 m + 1, depositor, uid, self.d_supplier[d], self.m_sf[m], self.m_moe[m],
                 self.m_moa[m], validator, target, state, state_day.isoformat(), holder, role,
                 since.isoformat() if since else None, fmt_dt(dep),
                 f"CD{dep.year:04d}{dep.month:02d}{dep.day:02d}{pid:08X}", downloaded, version)
            )  # fmt: skip
            v_rows.append((pid, rate, ht, vat))
            e_rows.append(
                (pid, did, fmt_dt(dep), uid, login, depositor, acting, "deposit", "", initial, "")
            )  # fmt: skip
            if previous_id is not None:
                short = code.split("_", 1)[0]
                e_rows.append(
                    (previous_id, did, fmt_dt(dep), uid, login, depositor, acting, "associate",
                     "ASSOCIEE" if previous_id in associated else pres[d][prev],
                     "ASSOCIEE", f"Pièce suivante {short} n° {number}")
                )  # fmt: skip
                associated.add(previous_id)
            for at, who, acting_role, action, from_state, to_state, reason in events:
                who_uid, who_login = user_of[who]
                e_rows.append(
                    (pid, did, fmt_dt(at), who_uid, who_login, who, acting_role, action, from_state,
                     to_state, reason)
                )  # fmt: skip
            if len(p_rows) >= CHUNK:
                flush()
        flush()
        con.executemany(
            "INSERT INTO dossiers (id, number, marche_id, supplier_structure_id, phase, status, "
            "created_at, moe_available_on, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            d_rows,
        )
        con.execute("COMMIT")
        self.n_events = con.execute("SELECT max(id) FROM events").fetchone()[0] or 0

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> dict:
        args = self.args
        db = Path(args.db)
        started = t = time.perf_counter()
        store = open_store(db)
        t = self.phase("schema (Alembic)", t)
        raw = store.engine.raw_connection()
        con = raw.driver_connection
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-2000000")
        con.execute("PRAGMA temp_store=MEMORY")
        con.execute("PRAGMA threads=2")
        indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')
        self.structures(con)
        t = self.phase(f"structures ({self.n_structures:,})", t)
        self.marches(con)
        t = self.phase(f"marchés ({self.n_marches:,}), users ({self.n_users:,})", t)
        self.plan()
        t = self.phase(f"plan ({len(self.specs):,} pieces)", t)
        self.write_pieces(con)
        t = self.phase(f"pieces, VAT lines, events ({self.n_events:,})", t)
        for _name, sql in indexes:
            con.execute(sql)
        t = self.phase(f"indexes ({len(indexes)})", t)
        con.execute("PRAGMA journal_mode=WAL")
        raw.close()
        store.close()
        del self.specs, self.struct_row
        users = self.bench_users(db)
        t = self.phase("bench users (API)", t)
        total = time.perf_counter() - started
        return {"users": users, "total": total}

    # -- users through the API -------------------------------------------------------------------
    def bench_users(self, db: Path) -> dict:
        moe_held = Counter({s: n for (s, r), n in self.held.items() if r == "MOE"})
        moa_held = Counter({s: n for (s, r), n in self.held.items() if r == "MOA"})
        moe = moe_held.most_common(1)[0][0]
        moa = moa_held.most_common(1)[0][0]
        with_moe = [m for m in range(self.n_marches) if self.m_moe[m] == moe]
        both = [m for m in with_moe if self.m_moa[m] == moa] or with_moe
        supplier = Counter(self.m_tit[m] for m in both).most_common(1)[0][0]
        marche = next(m for m in both if self.m_tit[m] == supplier)
        # The write bench deposits as another titulaire of the MOE, so that its pieces never
        # show in the read bench's supplier queries.
        others = [m for m in with_moe if self.m_tit[m] != supplier]
        write_marche = others[0] if others else marche
        writer = self.m_tit[write_marche]
        store = open_store(db)
        org = Organisation(store, datetime.now)
        made: dict[str, dict] = {}
        GS = MemberRole.GS
        wanted = (
            ("moe", moe, "claire.vasseur@bench-moe.fr", "VASSEUR", "Claire", MemberRole.GS),
            ("moe_user", moe, "hugo.lenoir@bench-moe.fr", "LENOIR", "Hugo", MemberRole.USER),
            ("moa", moa, "ines.bertin@bench-moa.fr", "BERTIN", "Inès", MemberRole.GS),
            ("supplier", supplier, "marc.delorme@bench-titulaire.fr", "DELORME", "Marc", GS),
            ("writer", writer, "lea.fontaine@bench-ecritures.fr", "FONTAINE", "Léa", GS),
        )  # fmt: skip
        for label, sid, login, last, first, role in wanted:
            gp = org.open_session(org.user(self.user_of[sid][1]))
            user, code = org.register_user(login, login, last, first)
            org.activate(login, code, BENCH_PASSWORD)
            request = org.request_attachment(user, sid)
            org.decide_attachment(gp, request, True, role)
            session = org.open_session(org.user(login))
            if org.request_space(session) != "ACCEPTEE":
                org.decide_space(gp, user.id, SPACE_WORKS, True)
            s = org.structure(sid)
            made[label] = {
                "login": login,
                "role": str(role),
                "structure_id": sid,
                "identifier": s.identifier,
                "name": s.name,
            }
        store.close()
        self.bench = {
            "moe_id": moe,
            "moa_id": moa,
            "supplier_id": supplier,
            "marche": self.m_number[marche],
            "engagement": self.m_ej[marche],
            "iban": self.iban_of[supplier],
            "writer_id": writer,
            "write_marche": self.m_number[write_marche],
            "write_engagement": self.m_ej[write_marche],
            "write_iban": self.iban_of[writer],
            "held_by_moe": moe_held[moe],
            "held_by_moa": moa_held[moa],
        }
        return made


def remove_store(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".bench.json"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{db}.files", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="path of the SQLite store to create")
    parser.add_argument("--pieces", type=int, default=1_000_000)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--structures", type=int, default=1_250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace an existing store")
    args = parser.parse_args(argv)
    db = Path(args.db).expanduser().resolve()
    args.db = str(db)
    if args.dossiers < 1 or args.pieces < args.dossiers:
        parser.error("il faut au moins une pièce par dossier (--pieces >= --dossiers >= 1)")
    if args.structures < 2000:
        parser.error("--structures : au moins 2000")
    if db.exists():
        if not args.force:
            parser.error(f"{db} existe déjà (--force pour le remplacer)")
        remove_store(db)
    print(
        f"Generating {db}: {args.structures:,} structures, {args.dossiers:,} dossiers, "
        f"{args.pieces:,} pieces (seed {args.seed})",
        flush=True,
    )
    gen = Generator(args)
    result = gen.run()
    total = result["total"]
    size = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
    info = {
        "db": str(db),
        "password": BENCH_PASSWORD,
        "generated_on": gen.today.isoformat(),
        "seed": args.seed,
        "users": {label: u["login"] for label, u in result["users"].items()},
        "structures": result["users"],
        **gen.bench,
        "counts": {
            "structures": gen.n_structures,
            "public": gen.n_public,
            "marches": gen.n_marches,
            "dossiers": args.dossiers,
            "pieces": args.pieces,
            "events": gen.n_events,
            "users": gen.n_users,
        },
        "seconds": round(total, 1),
        "size_bytes": size,
    }
    Path(f"{db}.bench.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    print("Bench users (password " + BENCH_PASSWORD + "):")
    for label, u in result["users"].items():
        print(f"  {label:<9} {u['login']:<34} {u['role']:<26} {u['identifier']} {u['name']}")
    print(
        f"Busiest MOE holds {gen.bench['held_by_moe']:,} pieces, busiest MOA "
        f"{gen.bench['held_by_moa']:,}; bench marché {gen.bench['marche']}"
    )
    print(f"Wrote {db}.bench.json")
    print(
        f"Generated {args.pieces:,} pieces in {total:.1f} s: {args.pieces / total:,.0f} pieces/s "
        f"(goal >= 2,000/s); store {size / 2**20:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
