"""What a data-subject request tells the person by e-mail: the verification code, an extension
and a refusal with its reason. The register's language is not known for a person, so each
notice is in Finnish, Swedish and English (as Finnish authorities' automatic notices are).
Each names the card it concerns, so a mail plugin sends it through the transfer gate (purpose
rights_request: recorded in the transfer register, never refused for a restricted card).
"""

from __future__ import annotations

from core.mail import send_mail

KIND_NAMES = {
    "access": ("tietojen tarkastus", "rätt till tillgång", "access to data"),
    "rectification": ("tietojen oikaisu", "rättelse", "rectification"),
    "erasure": ("tietojen poisto", "radering", "erasure"),
    "restriction": ("käsittelyn rajoitus", "begränsning av behandling", "restriction"),
    "portability": ("tietojen siirto", "dataportabilitet", "data portability"),
    "objection": ("vastustaminen", "invändning", "objection"),
    "withdrawal": ("suostumuksen peruutus", "återkallelse av samtycke", "consent withdrawal"),
}


def _kind(kind: str) -> tuple[str, str, str]:
    return KIND_NAMES.get(kind, (kind, kind, kind))


def _date(value) -> str:
    return value.strftime("%d.%m.%Y")


async def send_code(to: str, kind: str, code: str, *, person_id=None) -> None:
    fi, sv, en = _kind(kind)
    await send_mail(
        to,
        "Vahvistuskoodi / Verifieringskod / Verification code",
        f"Pyyntösi ({fi}) vahvistuskoodi on {code}. Jos et tehnyt pyyntöä, voit jättää "
        "tämän viestin huomiotta.\n"
        f"Verifieringskoden för din begäran ({sv}) är {code}.\n"
        f"The verification code for your request ({en}) is {code}. If you did not make this "
        "request, you can ignore this message.\n",
        kind="request_code",
        person_id=person_id,
    )


async def send_extension(to: str, kind: str, until, reason: str, *, person_id=None) -> None:
    fi, sv, en = _kind(kind)
    await send_mail(
        to,
        "Pyyntösi käsittelyaikaa jatketaan / Tidsfristen förlängs / Time limit extended",
        f"Pyyntösi ({fi}) käsittelyaikaa jatketaan {_date(until)} asti. Syy:\n{reason}\n\n"
        f"Tidsfristen för din begäran ({sv}) förlängs till {_date(until)}. Skäl: se ovan.\n"
        f"The time limit for your request ({en}) is extended to {_date(until)}. Reason: see "
        "above.\n",
        kind="request_extension",
        person_id=person_id,
    )


async def send_refusal(to: str, kind: str, reason: str, *, person_id=None) -> None:
    fi, sv, en = _kind(kind)
    await send_mail(
        to,
        "Pyyntöösi ei voida suostua / Din begäran avslås / Your request is refused",
        f"Pyyntöösi ({fi}) ei voida suostua. Perustelu:\n{reason}\n\n"
        "Voit tehdä valituksen tietosuojavaltuutetun toimistolle (tietosuoja.fi).\n"
        f"Din begäran ({sv}) avslås, se motiveringen ovan. Du kan klaga hos "
        "dataombudsmannens byrå (tietosuoja.fi).\n"
        f"Your request ({en}) is refused for the reason above. You may lodge a complaint with "
        "the Office of the Data Protection Ombudsman (tietosuoja.fi).\n",
        kind="request_refusal",
        person_id=person_id,
    )
