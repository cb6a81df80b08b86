"""The reference catalogue of muscles that IMS Records can record as needled.

This is plain data with no Django imports. A data migration or a management command
loads it into the global ``Muscle`` table (the reference catalogue, shared by every clinic). Every entry is a dict with
exactly these keys:

``slug``         unique, lowercase and hyphenated; a muscle with parts adds the part
                 after the muscle (``trapezius-upper``, ``multifidus-lumbar``).
``name``         the clinical name.
``region``       one of ``REGIONS``.
``nerve``        the peripheral or cranial nerve that supplies the muscle. Paraspinals
                 supplied segment by segment are ``"Dorsal rami (segmental)"``.
``segments``     the whole root range, in canonical order C1..C8, T1..T12, L1..L5,
                 S1..S5 (``L4-S1`` is ``["L4", "L5", "S1"]``). Muscles supplied by
                 a cranial nerve (the jaw, trigeminal V3) have ``[]``.
``lung_field``   True where the needle passes over the lung or pleura, so there is a
                 risk of pneumothorax.
``snomed_code``  the SNOMED CT body-structure concept, only where the project's
                 reference list of verified codes gives one. Otherwise it is ``""``. Codes are never guessed.
``view``         ``"anterior"`` or ``"posterior"``: the body-map view that best shows
                 the muscle, which is the side it is needled from.
``x``, ``y``     the marker position on the standing silhouette of that view, in
                 0..100 (x runs left to right across the image, y runs from the top
                 of the head down to the soles). The marker is on the PATIENT'S LEFT
                 side. In the posterior view that is the viewer's left (x < 50); in the
                 anterior view it is the viewer's right (x > 50). The UI mirrors x
                 (``100 - x``) for the right side.

Where the facts came from: the muscle list, the nerves, the root ranges, the
lung-field flags and the SNOMED codes follow the project's muscle catalogue
reference (by region, nerve and root range). Muscles added beyond that list to cover common IMS and dry-needling targets use
the usual textbook innervation (Gray's Anatomy, Moore's Clinically Oriented Anatomy,
Kendall's Muscles: Testing and Function). Root ranges differ by one level or so
between those texts. Where they disagree, the range here matches §8 or the wider,
commonly taught range, so that choosing a segment finds every muscle it may supply.
The body-map coordinates are approximate marker positions, not measurements.
"""

__all__ = ["MUSCLES", "REGIONS"]

REGIONS = (
    "neck",
    "jaw",
    "shoulder",
    "chest",
    "back",
    "arm",
    "forearm",
    "lumbar",
    "abdomen",
    "hip",
    "thigh",
    "leg",
)

_SEGMENT_ORDER = (
    *(f"C{i}" for i in range(1, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)

_SNOMED = {
    "gluteus medius": "78333006",
    "gluteus maximus": "206007",
    "multifidus": "5709001",
    "quadratus lumborum": "6001004",
    "supraspinatus": "6423006",
    "teres major": "1193009",
    "vastus lateralis": "1403006",
    "vastus medialis": "3478008",
    "splenius capitis": "1600003",
    "semispinalis capitis": "2666009",
    "trapezius": "31764008",
    "infraspinatus": "72573008",
    "deltoid": "35259002",
    "erector spinae": "44947003",
    "latissimus dorsi": "15665001",
    "pectoralis major": "60005003",
    "pectoralis minor": "18686000",
    "serratus anterior": "18346003",
    "scalenus anterior": "50755001",
    "sternocleidomastoid": "22823000",
    "subscapularis": "90588001",
    "teres minor": "51159009",
}


def _roots(spec):
    """Expand a root range such as ``"L4-S1"`` or ``"C1"`` into its ordered list."""
    if not spec:
        return []
    first, _, last = spec.partition("-")
    start = _SEGMENT_ORDER.index(first)
    end = _SEGMENT_ORDER.index(last or first)
    if end < start:
        raise ValueError(f"root range runs backwards: {spec}")
    return list(_SEGMENT_ORDER[start : end + 1])


def _m(slug, name, region, nerve, roots, lung, view, x, y, snomed=""):
    if snomed and snomed not in _SNOMED:
        raise KeyError(f"no SNOMED code on record for {snomed!r}")
    return {
        "slug": slug,
        "name": name,
        "region": region,
        "nerve": nerve,
        "segments": _roots(roots),
        "lung_field": lung,
        "snomed_code": _SNOMED[snomed] if snomed else "",
        "view": view,
        "x": float(x),
        "y": float(y),
    }


_A, _P = "anterior", "posterior"
_SEGMENTAL = "Dorsal rami (segmental)"
_V3 = "Mandibular nerve (CN V3)"
_ACCESSORY = "Spinal accessory nerve (CN XI); C3-C4 ventral rami"
_PIN = "Posterior interosseous nerve (deep branch of radial nerve)"
_SCIATIC_TIBIAL = "Tibial division of sciatic nerve"

MUSCLES = (
    # --- Neck ---------------------------------------------------------------
    _m("trapezius-upper", "Upper trapezius", "neck", _ACCESSORY, "C3-C4", True, _P, 37, 18, "trapezius"),
    _m("trapezius-middle", "Middle trapezius", "neck", _ACCESSORY, "C3-C4", True, _P, 41.5, 24, "trapezius"),
    _m("trapezius-lower", "Lower trapezius", "neck", _ACCESSORY, "C3-C4", True, _P, 44.5, 30, "trapezius"),
    _m("levator-scapulae", "Levator scapulae", "neck",
       "Dorsal scapular nerve and C3-C4 ventral rami", "C3-C5", True, _P, 44, 16),
    _m("sternocleidomastoid", "Sternocleidomastoid", "neck",
       "Spinal accessory nerve (CN XI); C2-C3 ventral rami", "C2-C3", False, _A, 53.5, 13.5,
       "sternocleidomastoid"),
    _m("scalenus-anterior", "Scalenus anterior", "neck", "Ventral rami of cervical nerves",
       "C4-C8", True, _A, 54.5, 15, "scalenus anterior"),
    _m("scalenus-medius", "Scalenus medius", "neck", "Ventral rami of cervical nerves",
       "C4-C8", True, _A, 56, 15.5),
    _m("scalenus-posterior", "Scalenus posterior", "neck", "Ventral rami of cervical nerves",
       "C4-C8", True, _A, 57.5, 16.3),
    _m("longus-colli", "Longus colli", "neck", "Ventral rami of cervical nerves",
       "C2-C6", False, _A, 52, 14.5),
    _m("splenius-capitis", "Splenius capitis", "neck",
       "Dorsal rami of middle cervical nerves", "C3-C4", False, _P, 45.5, 12, "splenius capitis"),
    _m("splenius-cervicis", "Splenius cervicis", "neck",
       "Dorsal rami of lower cervical nerves", "C5-C6", False, _P, 45, 15),
    _m("semispinalis-capitis", "Semispinalis capitis", "neck", "Dorsal rami of cervical nerves",
       "C1-C6", False, _P, 47.5, 11, "semispinalis capitis"),
    _m("suboccipitals", "Suboccipital muscles", "neck", "Suboccipital nerve (C1 dorsal ramus)",
       "C1", False, _P, 46.5, 9.5),
    _m("multifidus-cervical", "Cervical multifidus", "neck", _SEGMENTAL,
       "C2-C7", False, _P, 48, 14, "multifidus"),
    # --- Jaw (trigeminal, no spinal segments) --------------------------------
    _m("masseter", "Masseter", "jaw", "Masseteric nerve (mandibular nerve, CN V3)",
       "", False, _A, 55, 9),
    _m("temporalis", "Temporalis", "jaw", "Deep temporal nerves (mandibular nerve, CN V3)",
       "", False, _A, 57, 4.5),
    _m("lateral-pterygoid", "Lateral pterygoid", "jaw", _V3, "", False, _A, 56, 7.5),
    _m("medial-pterygoid", "Medial pterygoid", "jaw", _V3, "", False, _A, 54.5, 10.5),
    # --- Shoulder ------------------------------------------------------------
    _m("supraspinatus", "Supraspinatus", "shoulder", "Suprascapular nerve",
       "C5-C6", False, _P, 39, 20, "supraspinatus"),
    _m("infraspinatus", "Infraspinatus", "shoulder", "Suprascapular nerve",
       "C5-C6", False, _P, 38, 24.5, "infraspinatus"),
    _m("teres-minor", "Teres minor", "shoulder", "Axillary nerve",
       "C5-C6", False, _P, 33.5, 25, "teres minor"),
    _m("teres-major", "Teres major", "shoulder", "Lower subscapular nerve",
       "C5-C6", False, _P, 35, 27.5, "teres major"),
    _m("deltoid", "Deltoid", "shoulder", "Axillary nerve",
       "C5-C6", False, _A, 70, 22, "deltoid"),
    _m("subscapularis", "Subscapularis", "shoulder", "Upper and lower subscapular nerves",
       "C5-C6", False, _A, 66, 26, "subscapularis"),
    _m("latissimus-dorsi", "Latissimus dorsi", "shoulder", "Thoracodorsal nerve",
       "C6-C8", True, _P, 37, 33, "latissimus dorsi"),
    # --- Chest ---------------------------------------------------------------
    _m("pectoralis-major", "Pectoralis major", "chest", "Medial and lateral pectoral nerves",
       "C5-T1", True, _A, 60, 25, "pectoralis major"),
    _m("pectoralis-minor", "Pectoralis minor", "chest", "Medial pectoral nerve",
       "C8-T1", True, _A, 62.5, 23.5, "pectoralis minor"),
    _m("serratus-anterior", "Serratus anterior", "chest", "Long thoracic nerve",
       "C5-C7", True, _A, 65, 31, "serratus anterior"),
    _m("subclavius", "Subclavius", "chest", "Nerve to subclavius",
       "C5-C6", True, _A, 58, 20.5),
    # --- Back (thoracic) -----------------------------------------------------
    _m("rhomboid-minor", "Rhomboid minor", "back", "Dorsal scapular nerve",
       "C4-C5", True, _P, 45, 21),
    _m("rhomboid-major", "Rhomboid major", "back", "Dorsal scapular nerve",
       "C4-C5", True, _P, 43.5, 25.5),
    _m("serratus-posterior-superior", "Serratus posterior superior", "back",
       "Intercostal nerves (T2-T5)", "T2-T5", True, _P, 43, 22),
    _m("serratus-posterior-inferior", "Serratus posterior inferior", "back",
       "Ventral rami T9-T12 (lower intercostal and subcostal nerves)", "T9-T12", True, _P, 42, 37),
    _m("erector-spinae-thoracic", "Thoracic erector spinae", "back", _SEGMENTAL,
       "T1-T12", True, _P, 46, 28, "erector spinae"),
    _m("multifidus-thoracic", "Thoracic multifidus", "back", _SEGMENTAL,
       "T1-T12", True, _P, 48, 27, "multifidus"),
    _m("intercostals", "Intercostal muscles", "back", "Intercostal nerves",
       "T1-T11", True, _P, 39, 31.5),
    # --- Arm -----------------------------------------------------------------
    _m("biceps-brachii", "Biceps brachii", "arm", "Musculocutaneous nerve",
       "C5-C6", False, _A, 72, 30),
    _m("brachialis", "Brachialis", "arm", "Musculocutaneous nerve (lateral part: radial nerve)",
       "C5-C7", False, _A, 73.5, 35),
    _m("coracobrachialis", "Coracobrachialis", "arm", "Musculocutaneous nerve",
       "C5-C7", False, _A, 70, 27),
    _m("triceps-brachii", "Triceps brachii", "arm", "Radial nerve",
       "C6-C8", False, _P, 26.5, 30),
    # --- Forearm -------------------------------------------------------------
    _m("brachioradialis", "Brachioradialis", "forearm", "Radial nerve",
       "C5-C6", False, _A, 79, 40),
    _m("pronator-teres", "Pronator teres", "forearm", "Median nerve",
       "C6-C7", False, _A, 76, 40.5),
    _m("flexor-carpi-radialis", "Flexor carpi radialis", "forearm", "Median nerve",
       "C6-C7", False, _A, 77, 43),
    _m("palmaris-longus", "Palmaris longus", "forearm", "Median nerve",
       "C7-C8", False, _A, 76, 45),
    _m("flexor-carpi-ulnaris", "Flexor carpi ulnaris", "forearm", "Ulnar nerve",
       "C8-T1", False, _A, 74.5, 43.5),
    _m("flexor-digitorum-superficialis", "Flexor digitorum superficialis", "forearm",
       "Median nerve", "C7-C8", False, _A, 76.5, 47),
    _m("flexor-digitorum-profundus", "Flexor digitorum profundus", "forearm",
       "Anterior interosseous nerve (lateral part) and ulnar nerve (medial part)",
       "C8-T1", False, _A, 74.5, 47),
    _m("flexor-pollicis-longus", "Flexor pollicis longus", "forearm",
       "Anterior interosseous nerve (median nerve)", "C7-C8", False, _A, 78.5, 47.5),
    _m("extensor-carpi-radialis-longus", "Extensor carpi radialis longus", "forearm",
       "Radial nerve", "C6-C7", False, _P, 22, 40),
    _m("extensor-carpi-radialis-brevis", "Extensor carpi radialis brevis", "forearm",
       "Deep branch of radial nerve", "C7-C8", False, _P, 22.5, 43),
    _m("supinator", "Supinator", "forearm", "Deep branch of radial nerve",
       "C5-C6", False, _P, 24, 40.5),
    _m("anconeus", "Anconeus", "forearm", "Radial nerve",
       "C7-C8", False, _P, 26.5, 39),
    _m("extensor-digitorum", "Extensor digitorum", "forearm", _PIN,
       "C7-C8", False, _P, 24, 44),
    _m("extensor-carpi-ulnaris", "Extensor carpi ulnaris", "forearm", _PIN,
       "C7-C8", False, _P, 26, 44.5),
    _m("abductor-pollicis-longus", "Abductor pollicis longus", "forearm", _PIN,
       "C7-C8", False, _P, 22.5, 47),
    _m("extensor-indicis", "Extensor indicis", "forearm", _PIN,
       "C7-C8", False, _P, 24.5, 48.5),
    # --- Lumbar --------------------------------------------------------------
    _m("multifidus-lumbar", "Lumbar multifidus", "lumbar", _SEGMENTAL,
       "L1-S1", False, _P, 48, 43, "multifidus"),
    _m("erector-spinae-lumbar", "Lumbar erector spinae", "lumbar", _SEGMENTAL,
       "L1-L5", False, _P, 46, 41, "erector spinae"),
    _m("quadratus-lumborum", "Quadratus lumborum", "lumbar",
       "Subcostal nerve and ventral rami of L1-L3", "T12-L3", False, _P, 42.5, 40.5,
       "quadratus lumborum"),
    # --- Abdomen -------------------------------------------------------------
    _m("rectus-abdominis", "Rectus abdominis", "abdomen",
       "Thoracoabdominal (T7-T11) and subcostal (T12) nerves", "T7-T12", False, _A, 54, 38),
    _m("external-oblique", "External oblique", "abdomen",
       "Thoracoabdominal (T7-T11) and subcostal (T12) nerves", "T7-T12", False, _A, 61, 39),
    _m("internal-oblique", "Internal oblique", "abdomen",
       "Thoracoabdominal, subcostal, iliohypogastric and ilioinguinal nerves",
       "T7-L1", False, _A, 60, 43),
    # --- Hip -----------------------------------------------------------------
    _m("psoas-major", "Psoas major", "hip", "Ventral rami of lumbar nerves (L1-L3)",
       "L1-L3", False, _A, 56, 46),
    _m("iliacus", "Iliacus", "hip", "Femoral nerve",
       "L2-L3", False, _A, 60, 46.5),
    _m("tensor-fasciae-latae", "Tensor fasciae latae", "hip", "Superior gluteal nerve",
       "L4-S1", False, _A, 64, 50),
    _m("gluteus-maximus", "Gluteus maximus", "hip", "Inferior gluteal nerve",
       "L5-S2", False, _P, 44, 54, "gluteus maximus"),
    _m("gluteus-medius", "Gluteus medius", "hip", "Superior gluteal nerve",
       "L4-S1", False, _P, 38.5, 46, "gluteus medius"),
    _m("gluteus-minimus", "Gluteus minimus", "hip", "Superior gluteal nerve",
       "L4-S1", False, _P, 37, 47.5),
    _m("piriformis", "Piriformis", "hip", "Nerve to piriformis",
       "L5-S2", False, _P, 42, 48.5),
    _m("gemellus-superior", "Superior gemellus", "hip", "Nerve to obturator internus",
       "L5-S2", False, _P, 41, 49.7),
    _m("obturator-internus", "Obturator internus", "hip", "Nerve to obturator internus",
       "L5-S2", False, _P, 43.5, 51.5),
    _m("gemellus-inferior", "Inferior gemellus", "hip", "Nerve to quadratus femoris",
       "L4-S1", False, _P, 40.5, 51.3),
    _m("quadratus-femoris", "Quadratus femoris", "hip", "Nerve to quadratus femoris",
       "L4-S1", False, _P, 40.5, 53),
    # --- Thigh ---------------------------------------------------------------
    _m("rectus-femoris", "Rectus femoris", "thigh", "Femoral nerve",
       "L2-L4", False, _A, 59.5, 58),
    _m("vastus-lateralis", "Vastus lateralis", "thigh", "Femoral nerve",
       "L2-L4", False, _A, 63, 62, "vastus lateralis"),
    _m("vastus-medialis", "Vastus medialis", "thigh", "Femoral nerve",
       "L2-L4", False, _A, 56, 67, "vastus medialis"),
    _m("vastus-intermedius", "Vastus intermedius", "thigh", "Femoral nerve",
       "L2-L4", False, _A, 60, 63.5),
    _m("sartorius", "Sartorius", "thigh", "Femoral nerve",
       "L2-L3", False, _A, 56.5, 60.5),
    _m("pectineus", "Pectineus", "thigh", "Femoral nerve (sometimes accessory obturator nerve)",
       "L2-L3", False, _A, 55.5, 51.5),
    _m("adductor-longus", "Adductor longus", "thigh", "Obturator nerve",
       "L2-L4", False, _A, 53.5, 55),
    _m("adductor-brevis", "Adductor brevis", "thigh", "Obturator nerve",
       "L2-L4", False, _A, 55, 53.5),
    _m("gracilis", "Gracilis", "thigh", "Obturator nerve",
       "L2-L3", False, _A, 53, 62),
    _m("adductor-magnus", "Adductor magnus", "thigh",
       "Obturator nerve (adductor part) and tibial division of sciatic nerve (hamstring part)",
       "L2-S1", False, _P, 46, 56),
    _m("biceps-femoris", "Biceps femoris", "thigh",
       "Sciatic nerve (long head: tibial division; short head: common fibular division)",
       "L5-S2", False, _P, 39, 60),
    _m("semitendinosus", "Semitendinosus", "thigh", _SCIATIC_TIBIAL,
       "L5-S2", False, _P, 43.5, 60),
    _m("semimembranosus", "Semimembranosus", "thigh", _SCIATIC_TIBIAL,
       "L5-S2", False, _P, 45, 63.5),
    # --- Leg -----------------------------------------------------------------
    _m("gastrocnemius", "Gastrocnemius", "leg", "Tibial nerve",
       "S1-S2", False, _P, 43, 76),
    _m("soleus", "Soleus", "leg", "Tibial nerve",
       "S1-S2", False, _P, 42.5, 82),
    _m("popliteus", "Popliteus", "leg", "Tibial nerve",
       "L4-S1", False, _P, 43.5, 72),
    _m("tibialis-posterior", "Tibialis posterior", "leg", "Tibial nerve",
       "L4-L5", False, _P, 43.5, 84),
    _m("flexor-digitorum-longus", "Flexor digitorum longus", "leg", "Tibial nerve",
       "L5-S2", False, _P, 45, 86),
    _m("flexor-hallucis-longus", "Flexor hallucis longus", "leg", "Tibial nerve",
       "L5-S2", False, _P, 42, 87),
    _m("tibialis-anterior", "Tibialis anterior", "leg", "Deep fibular nerve",
       "L4-L5", False, _A, 58, 79),
    _m("extensor-digitorum-longus", "Extensor digitorum longus", "leg", "Deep fibular nerve",
       "L4-S1", False, _A, 59.5, 82),
    _m("extensor-hallucis-longus", "Extensor hallucis longus", "leg", "Deep fibular nerve",
       "L4-S1", False, _A, 57.5, 86.5),
    _m("fibularis-tertius", "Fibularis tertius", "leg", "Deep fibular nerve",
       "L4-S1", False, _A, 59, 89.5),
    _m("fibularis-longus", "Fibularis longus", "leg", "Superficial fibular nerve",
       "L5-S1", False, _A, 61, 77.5),
    _m("fibularis-brevis", "Fibularis brevis", "leg", "Superficial fibular nerve",
       "L5-S1", False, _A, 60.5, 85),
)
