"""A small bilingual lexicon of common news words, so that French and English claims meet.

Each line is one concept: its English forms, then after "|" its French forms (a concept too
long for one line goes on the next, under the same first English word). A word of a
statement that the lexicon lists (after case, accents and the endings `features` strips) becomes
the concept's key ("~firefighter" for "pompiers", "Firefighters" and "sapeurs"), which is also
what a figure counts ("Quarante pompiers" and "Forty firefighters" count the same thing). The
lexicon lists the words that news repeats across stories, by topic, not the words of any one
story; names (of places, people, bodies) are not in it, and a word it lists is never a name.
Words spelt alike in both languages ("budget", "missiles", "inflation") need no line: their
keys already meet.

Only exact words and stems are matched, never prefixes: "mort" is a death, "mortier" is not.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

LINES = """
# People counted
people, persons, person | personnes, personne, gens
resident, residents, inhabitants, inhabitant, locals | habitants, habitant, riverains, résidents
civilian, civilians | civils, civil, civile, civiles
soldier, soldiers, troops, troop, servicemen, military | soldats, soldat
soldier | troupes, militaires, militaire
firefighter, firefighters, firemen, fireman | pompiers, pompier, sapeurs
police, policemen, officers, officer, police officers | policiers, policier
police | gendarmes, gendarme, police
rescuer, rescuers, emergency services | secouristes, secouriste, secours, sauveteurs
worker, workers, employees, employee, staff | salariés, salarié, employés, employé
worker | ouvriers, ouvrier, travailleurs, personnel
child, children, kids | enfants, enfant
woman, women | femmes, femme
man, men | hommes, homme
student, students, pupils, pupil | élèves, élève, étudiants, étudiant, étudiante, étudiantes
teacher, teachers | enseignants, enseignant, professeurs, professeur, instituteurs
doctor, doctors, physicians | médecins, médecin, docteurs
nurse, nurses | infirmiers, infirmier, infirmières, infirmière
patient, patients | patients, malades
victim, victims | victimes, victime
refugee, refugees | réfugiés, réfugié, réfugiées
migrant, migrants | migrants, migrant, exilés
prisoner, prisoners, inmates, detainees | prisonniers, prisonnier, détenus, détenu
hostage, hostages | otages, otage
voter, voters | électeurs, électeur, votants
spectator, spectators, fans, supporters | spectateurs, spectateur, supporters
runner, runners, participants | coureurs, coureur, participants
visitor, visitors, tourists, tourist | visiteurs, visiteur, touristes, touriste, festivaliers
passenger, passengers, travellers, travelers | passagers, passager, voyageurs, usagers
farmer, farmers | agriculteurs, agriculteur, paysans, éleveurs
citizen, citizens | citoyens, citoyen, ressortissants
protester, protesters, demonstrators | manifestants, manifestant
customer, customers, clients | clients, client, consommateurs
household, households, families, family | ménages, foyers, familles, famille
suspect, suspects | suspects, suspect
journalist, journalists, reporters | journalistes, journaliste
member, members | membres, membre
# What happens to people
killed, kill, kills, dead, deaths | tués, tué, tuée, tuées, morts, mort, morte, mortes
killed, death, died, die, dies, fatalities, lives | décès, décédé, décédés, décédées
killed | meurent, mourir
injured, injuries, injury, wounded, hurt | blessés, blessé, blessée, blessées, blessures, blessure
missing | disparus, disparu, disparues, disparue
evacuated, evacuation, evacuations, evacuate | évacués, évacué, évacuée
evacuated | évacuées, évacuation, évacuations, évacuer
arrested, arrests, arrest | arrêtés, arrêté, interpellés, interpellé
arrested | interpellations, interpellation, arrestations, arrestation
rescued, rescue | secourus, secourues, sauvés, sauvées
displaced, homeless | déplacés, sinistrés, sans-abri
sentenced, sentence, convicted | condamné, condamnés, condamnée, condamnation
charged, indicted | inculpé, inculpés, mis en examen
released, freed | libérés, libéré, libérée, libération
hospitalised, hospitalized, hospital | hospitalisés, hospitalisé, hospitalisées, hôpital, hôpitaux
infected, infections | contaminés, contaminations, infectés
vaccinated, vaccines, vaccine, vaccination | vaccinés, vaccins, vaccin, vaccination
# Events
fire, fires, blaze, blazes, wildfire, wildfires | incendie, incendies, feu, feux
flood, floods, flooding | inondations, inondation, crue, crues
earthquake, quake, earthquakes | séisme, séismes, tremblement
storm, storms | tempête, tempêtes, orage, orages
explosion, blast, explosions | explosion, déflagration, explosions
attack, attacks, assault, strikes | attaque, attaques, attentat
attack | attentats, frappes, frappe, offensive
clash, clashes, fighting, combat | combats, affrontements, heurts
war, wars | guerre, guerres
ceasefire, truce | cessez, trêve
crash, accident, collision | accident, accidents, collision
strike, walkout | grève, grèves, débrayage
protest, protests, demonstration, demonstrations, rally | manifestation, manifestations
protest | rassemblement, mobilisation
election, elections, vote, ballot, poll | élection, élections, scrutin, vote
drought | sécheresse
heatwave, heat | canicule, chaleur
outbreak, epidemic, pandemic | épidémie, pandémie
shooting, gunfire | fusillade, tirs
# Actions and sayings
deployed, deployment, deploy, stationed, sent | déployés, déployé, déployée, déploiement
deployed | stationnés, stationné, envoyés, envoyé
denied, denies, deny, denial, rejected | démenti, dément, démentent, nié, nie, nient, réfuté, rejeté
announced, announce, announcement, unveiled | annoncé, annonce, annoncée, annoncés, dévoilé
confirmed, confirm | confirmé, confirme, confirmée
estimated, estimate, estimates | estimé, estime, estimation, estimations
asked, requested, called, demanded, demand | demandé, demande, réclamé, réclame, exigé
agreed, agreement, deal, accord | accord, accords, conclu, entente
signed, sign | signé, signe, signée, signature
approved, adopted, passed | adopté, adoptée, approuvé, approuvée
banned, ban, prohibited | interdit, interdite, interdiction
opened, open | ouvert, ouverte, ouverture
closed, closure, shut | fermé, fermée, fermeture, fermés
cut, cuts, reduced, reduction | réduit, réduction, coupes
raised, raise | relevé, relève
won, win, wins, winner, victory | gagné, remporté, vainqueur, victoire, gagnante, gagnant
lost, defeat | perdu, défaite
launched, launch | lancé, lancée, lancement
built, construction | construit, construction, chantier
destroyed, destruction | détruit, détruits, détruites, détruite, destruction
damaged, damage | endommagés, endommagé, dégâts, dommages
flights, flight | vols, vol
# Amounts and changes
increase, rise, rose, risen, growth, grew, higher, surge | hausse, augmentation, augmenté
increase | croissance, progression, progressé, hausses
decrease, fall, fell, drop, dropped, decline, lower | baisse, diminution, diminué
decrease | recul, reculé, chute, baissé
record | record, records
total | total, totale, au total
average | moyenne, moyen
# Money and work
price, prices, cost, costs | prix, coût, coûts, tarifs
tax, taxes | impôt, impôts, taxe, taxes
unemployment, jobless | chômage, chômeurs
jobs, job, posts, positions | emplois, emploi, postes
layoffs, redundancies, job cuts | licenciements, suppressions, licenciement
wage, wages, salary, pay | salaires, salaire, rémunération
pension, pensions | retraites, retraite, pensions
company, companies, firm, firms, business | entreprise, entreprises, société, sociétés, firme
factory, factories, plant, plants | usine, usines, site industriel
debt, debts | dette, dettes
deficit | déficit
aid, assistance, help | aide, aides, assistance
funding, funds, fund | financement, fonds, financements
investment, investments | investissement, investissements
sales | ventes
profit, profits | bénéfices, bénéfice, profits
revenue, turnover | chiffre d'affaires, recettes
euros, euro | euros, euro
dollars, dollar | dollars, dollar
# Bodies and offices
government, governments, cabinet | gouvernement, gouvernements, exécutif
minister, ministers, secretary | ministre, ministres, secrétaire
ministry, ministries, department | ministère, ministères
president | président, présidente
mayor | maire, mairesse
prefect, prefecture | préfet, préfète, préfecture
council, councils | conseil, conseils
parliament, assembly, lawmakers, deputies, mps | parlement, assemblée
parliament | députés, député, parlementaires
senate, senators | sénat, sénateurs
court, courts, tribunal | tribunal, tribunaux, cour
judge, judges | juge, juges
prosecutor, prosecutors, prosecution | procureur, procureure, parquet
trial | procès
investigation, inquiry, probe, investigations | enquête, enquêtes, investigation
law, laws, bill, legislation | loi, lois, législation
authorities, authority, officials, official | autorités, autorité, responsables, officiels
army, forces, military forces | armée, armées, forces
intelligence | renseignement, renseignements
border, borders, frontier | frontière, frontières
region, regions, province | région, régions, province
city, town, cities, towns | ville, villes, commune, communes
country, countries, nation | pays, nation
village, villages | village, villages
district, neighbourhood, neighborhood | quartier, quartiers, arrondissement
organisers, organizers | organisateurs, organisatrice
union, unions | syndicat, syndicats, syndicale
# Things and places
home, homes, house, houses, housing | maisons, maison, logements, logement, domiciles, foyer
building, buildings | bâtiment, bâtiments, immeuble, immeubles
school, schools | école, écoles, collège, lycée
road, roads, highway, motorway | route, routes, autoroute
bridge, bridges | pont, ponts
train, trains, rail, railway | train, trains, ferroviaire, rail
airport, airports | aéroport, aéroports
weapons, weapon, arms | armes, arme, armement
missile, missiles, rockets | missiles, missile, roquettes
drone, drones | drones, drone
tank, tanks | chars, char
water | eau, eaux
electricity, power | électricité
energy | énergie
gas | gaz
oil, petrol, fuel | pétrole, carburant
food | nourriture, alimentation, vivres
site, sites, scene | site, sites, lieux, sur place
safety, security | sécurité, sûreté
health | santé
race, races | course, courses, épreuve
festival, festivals | festival, festivals
scheme, plan, programme, program | plan, programme, dispositif
talks, negotiations | négociations, pourparlers, discussions
sanctions | sanctions
# Time
monday | lundi
tuesday | mardi
wednesday | mercredi
thursday | jeudi
friday | vendredi
saturday | samedi
sunday | dimanche
morning | matin, matinée
evening, night, overnight | soir, soirée, nuit
yesterday | hier
today | aujourd'hui
week, weeks | semaine, semaines
month, months | mois
year, years | ans, année, années
day, days | jour, jours, journée
# Qualities
independent | indépendant, indépendante
slightly, minor, lightly | légèrement, légères, légers
seriously, severely, badly, serious | grièvement, gravement, grave, graves
new | nouveau, nouvelle, nouveaux, nouvelles
first | premier, premiers, première, premières
last, latest | dernier, dernière, derniers
foreign | étrangères, étranger, étrangers, extérieur
defence, defense | défense
chemical | chimique, chimiques
nuclear | nucléaire
public | public, publique
national | national, nationale
local | local, locale, locaux
""".strip()

# Words that say nothing of which claim this is, in either language; `features` adds them to
# its own stopwords.
FILLERS = frozenset(
    """
    still now currently around about some least nearly almost roughly approximately toujours
    désormais desormais maintenant actuellement environ quelque quelques près pres presque
    """.split()
)


def fold(word: str) -> str:
    """Case and accents away: "Évacués" and "evacues" are one word."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch)
    )


@lru_cache(maxsize=1)
def concepts() -> dict[str, str]:
    """Every folded word of the lexicon to its concept's key ("~firefighter")."""
    table: dict[str, str] = {}
    for line in LINES.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, french = line.split("|")
        words = [word.strip() for word in (english + "," + french).split(",") if word.strip()]
        concept = "~" + fold(words[0])
        for word in words:
            if " " in word or "'" in word:
                continue  # the statement's words are matched one at a time
            table.setdefault(fold(word), concept)
    return table
