"""Name pools for demo data: Chinese names (with pinyin for usernames) and English names.

Only data, no logic beyond picking: everything random goes through the caller's seeded
`random.Random`, so the same seed always gives the same people.
"""

from __future__ import annotations

import random

# (surname, pinyin), roughly by frequency: the first ones are picked more often.
SURNAMES: list[tuple[str, str]] = [
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("袁", "yuan"),
    ("潘", "pan"),
    ("于", "yu"),
    ("蒋", "jiang"),
    ("蔡", "cai"),
    ("余", "yu"),
    ("杜", "du"),
    ("叶", "ye"),
    ("程", "cheng"),
    ("苏", "su"),
    ("魏", "wei"),
    ("吕", "lv"),
    ("丁", "ding"),
    ("任", "ren"),
    ("沈", "shen"),
    ("姚", "yao"),
    ("卢", "lu"),
    ("姜", "jiang"),
    ("崔", "cui"),
    ("钟", "zhong"),
    ("谭", "tan"),
    ("陆", "lu"),
    ("汪", "wang"),
    ("范", "fan"),
    ("金", "jin"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("上官", "shangguan"),
]

# (character, pinyin) used for given names of one or two characters.
GIVEN_CHARS: list[tuple[str, str]] = [
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("英", "ying"),
    ("华", "hua"),
    ("建", "jian"),
    ("文", "wen"),
    ("辉", "hui"),
    ("鑫", "xin"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("欣", "xin"),
    ("婷", "ting"),
    ("雪", "xue"),
    ("琳", "lin"),
    ("晨", "chen"),
    ("思", "si"),
    ("博", "bo"),
    ("嘉", "jia"),
    ("子", "zi"),
    ("梓", "zi"),
    ("晓", "xiao"),
    ("玉", "yu"),
    ("海", "hai"),
    ("凯", "kai"),
    ("佳", "jia"),
    ("悦", "yue"),
    ("雨", "yu"),
    ("志", "zhi"),
    ("鹏", "peng"),
    ("楠", "nan"),
    ("诗", "shi"),
    ("涵", "han"),
    ("一", "yi"),
    ("帆", "fan"),
    ("俊", "jun"),
    ("睿", "rui"),
    ("瑶", "yao"),
    ("昊", "hao"),
    ("然", "ran"),
    ("阳", "yang"),
]

ENGLISH_FIRST: list[str] = [
    "Emily",
    "David",
    "Grace",
    "Kevin",
    "Lucy",
    "Michael",
    "Sophia",
    "Daniel",
    "Olivia",
    "Jason",
    "Amy",
    "Eric",
    "Helen",
    "Jack",
    "Cindy",
    "Tony",
    "Linda",
    "Peter",
    "Vivian",
    "Frank",
    "Iris",
    "Leo",
    "Nancy",
    "Ryan",
    "Sandy",
    "Vincent",
    "Wendy",
    "Alan",
    "Bella",
    "Chris",
    "Doris",
    "Ethan",
    "Fiona",
    "George",
    "Hannah",
    "Ivan",
    "Joyce",
    "Kelly",
]


class NamePicker:
    """Produces unique usernames and realistic display names from a seeded generator."""

    def __init__(self, rng: random.Random, *, english_share: float = 0.2) -> None:
        self.rng = rng
        self.english_share = english_share
        self.taken: set[str] = set()
        # Weight surnames by rank so common ones dominate, as in real life.
        self._weights = [1.0 / (i + 4) for i in range(len(SURNAMES))]

    def reserve(self, username: str) -> None:
        self.taken.add(username)

    def _unique(self, base: str) -> str:
        candidate = base
        n = 2
        while candidate in self.taken:
            candidate = f"{base}{n}"
            n += 1
        self.taken.add(candidate)
        return candidate

    def person(self) -> dict[str, str]:
        """A person: username, display name, first and last name, email local part."""
        surname, surname_py = self.rng.choices(SURNAMES, weights=self._weights, k=1)[0]
        if self.rng.random() < self.english_share:
            first = self.rng.choice(ENGLISH_FIRST)
            username = self._unique(f"{first.lower()}.{surname_py}")
            return {
                "username": username,
                "display_name": f"{first} {surname_py.capitalize()}",
                "first_name": first,
                "last_name": surname_py.capitalize(),
            }
        given, given_py = self._given()
        username = self._unique(f"{surname_py}.{given_py}")
        return {
            "username": username,
            "display_name": f"{surname}{given}",
            "first_name": given,
            "last_name": surname,
        }

    def _given(self) -> tuple[str, str]:
        count = 1 if self.rng.random() < 0.3 else 2
        chars = [self.rng.choice(GIVEN_CHARS) for _ in range(count)]
        return "".join(c for c, _ in chars), "".join(p for _, p in chars)
