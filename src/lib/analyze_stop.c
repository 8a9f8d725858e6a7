/*
** analyze_stop.c -- the languages of the chain and their stop words.
**
** The lists follow the Snowball project's stop word lists
** (snowballstem.org, BSD licence) for each language: articles, pronouns,
** prepositions, conjunctions and the forms of the auxiliary verbs, plus a
** few frequent function words they leave out (French "ils", "elles",
** "cette", "les"...).  They are written here folded the way the chain
** folds (lower case, accents removed: "été" -> "ete", "für" -> "fur"),
** because they are compared with folded forms.  Stop words are flagged,
** never removed: the indexer and the statistics decide what to do.
*/
#include "dp_int.h"

#include <ctype.h>
#include <strings.h>

static const char *const lang_codes[DP_LANG__COUNT] = {
    "fr", "en", "de", "es", "it", "pt", "nl"
};
static const char *const lang_snowball[DP_LANG__COUNT] = {
    "french", "english", "german", "spanish", "italian", "portuguese",
    "dutch"
};

static const char *const stop_fr[] = {
    "a", "ai", "aie", "aient", "aies", "ait", "as", "au", "aura", "aurai",
    "auraient", "aurais", "aurait", "auras", "aurez", "auriez", "aurions",
    "aurons", "auront", "aux", "avaient", "avais", "avait", "avec", "avez",
    "aviez", "avions", "avons", "ayant", "ayante", "ayantes", "ayants",
    "ayez", "ayons", "c", "ce", "ceci", "cela", "ces", "cet", "cette", "d",
    "dans", "de", "des", "du", "elle", "elles", "en", "es", "est", "et",
    "etaient", "etais", "etait", "etant", "etante", "etantes", "etants",
    "ete", "etee", "etees", "etes", "etiez", "etions", "eu", "eue", "eues",
    "eumes", "eurent", "eus", "eusse", "eussent", "eusses", "eussiez",
    "eussions", "eut", "eutes", "eux", "fumes", "furent", "fus", "fusse",
    "fussent", "fusses", "fussiez", "fussions", "fut", "futes", "il", "ils",
    "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma",
    "mais", "me", "meme", "memes", "mes", "moi", "mon", "n", "ne", "nos",
    "notre", "nous", "on", "ont", "ou", "par", "pas", "pour", "qu", "que",
    "qui", "s", "sa", "sans", "se", "sera", "serai", "seraient", "serais",
    "serait", "seras", "serez", "seriez", "serions", "serons", "seront",
    "ses", "soi", "soient", "sois", "soit", "sommes", "son", "sont",
    "soyez", "soyons", "suis", "sur", "t", "ta", "te", "tes", "toi", "ton",
    "tu", "un", "une", "vos", "votre", "vous", "y", NULL
};

static const char *const stop_en[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an",
    "and", "any", "are", "aren't", "as", "at", "be", "because", "been",
    "before", "being", "below", "between", "both", "but", "by", "can't",
    "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't",
    "doing", "don't", "down", "during", "each", "few", "for", "from",
    "further", "had", "hadn't", "has", "hasn't", "have", "haven't",
    "having", "he", "he'd", "he'll", "he's", "her", "here", "here's",
    "hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd",
    "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's",
    "its", "itself", "let's", "me", "more", "most", "mustn't", "my",
    "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or",
    "other", "ought", "our", "ours", "ourselves", "out", "over", "own",
    "same", "shan't", "she", "she'd", "she'll", "she's", "should",
    "shouldn't", "so", "some", "such", "than", "that", "that's", "the",
    "their", "theirs", "them", "themselves", "then", "there", "there's",
    "these", "they", "they'd", "they'll", "they're", "they've", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was",
    "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't",
    "what", "what's", "when", "when's", "where", "where's", "which",
    "while", "who", "who's", "whom", "why", "why's", "will", "with",
    "won't", "would", "wouldn't", "you", "you'd", "you'll", "you're",
    "you've", "your", "yours", "yourself", "yourselves", NULL
};

static const char *const stop_de[] = {
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am",
    "an", "ander", "andere", "anderem", "anderen", "anderer", "anderes",
    "anderm", "andern", "anderr", "anders", "auch", "auf", "aus", "bei",
    "bin", "bis", "bist", "da", "damit", "dann", "das", "dass", "dasselbe",
    "dazu", "dein", "deine", "deinem", "deinen", "deiner", "deines", "dem",
    "demselben", "den", "denn", "denselben", "der", "derer", "derselbe",
    "derselben", "des", "desselben", "dessen", "dich", "die", "dies",
    "diese", "dieselbe", "dieselben", "diesem", "diesen", "dieser",
    "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem",
    "einen", "einer", "eines", "einig", "einige", "einigem", "einigen",
    "einiger", "einiges", "einmal", "er", "es", "etwas", "euch", "euer",
    "eure", "eurem", "euren", "eurer", "eures", "fur", "gegen", "gewesen",
    "hab", "habe", "haben", "hat", "hatte", "hatten", "hier", "hin",
    "hinter", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem",
    "ihren", "ihrer", "ihres", "im", "in", "indem", "ins", "ist", "jede",
    "jedem", "jeden", "jeder", "jedes", "jene", "jenem", "jenen", "jener",
    "jenes", "jetzt", "kann", "kein", "keine", "keinem", "keinen", "keiner",
    "keines", "konnen", "konnte", "machen", "man", "manche", "manchem",
    "manchen", "mancher", "manches", "mein", "meine", "meinem", "meinen",
    "meiner", "meines", "mich", "mir", "mit", "muss", "musste", "nach",
    "nicht", "nichts", "noch", "nun", "nur", "ob", "oder", "ohne", "sehr",
    "sein", "seine", "seinem", "seinen", "seiner", "seines", "selbst",
    "sich", "sie", "sind", "so", "solche", "solchem", "solchen", "solcher",
    "solches", "soll", "sollte", "sondern", "sonst", "uber", "um", "und",
    "uns", "unser", "unsere", "unserem", "unseren", "unseres", "unter",
    "viel", "vom", "von", "vor", "wahrend", "war", "waren", "warst", "was",
    "weg", "weil", "weiter", "welche", "welchem", "welchen", "welcher",
    "welches", "wenn", "werde", "werden", "wie", "wieder", "will", "wir",
    "wird", "wirst", "wo", "wollen", "wollte", "wurde", "wurden", "zu",
    "zum", "zur", "zwar", "zwischen", NULL
};

static const char *const stop_es[] = {
    "a", "al", "algo", "algunas", "algunos", "ante", "antes", "como", "con",
    "contra", "cual", "cuando", "de", "del", "desde", "donde", "durante",
    "e", "el", "ella", "ellas", "ellos", "en", "entre", "era", "eran", "es",
    "esa", "esas", "ese", "eso", "esos", "esta", "estaba", "estado",
    "estamos", "estan", "estar", "estas", "este", "esto", "estos", "estoy",
    "fue", "fueron", "ha", "habia", "han", "hasta", "hay", "he", "la",
    "las", "le", "les", "lo", "los", "me", "mas", "mi", "mis", "mucho",
    "muchos", "muy", "nada", "ni", "no", "nos", "nosotros", "nuestra",
    "nuestras", "nuestro", "nuestros", "o", "os", "otra", "otras", "otro",
    "otros", "para", "pero", "poco", "por", "porque", "que", "quien",
    "quienes", "se", "sea", "ser", "si", "sido", "sin", "sobre", "son",
    "soy", "su", "sus", "suya", "suyo", "tambien", "tanto", "te", "tiene",
    "tienen", "ti", "todo", "todos", "tu", "tus", "un", "una", "uno",
    "unos", "y", "ya", "yo", NULL
};

static const char *const stop_it[] = {
    "a", "abbia", "abbiamo", "ad", "agli", "ai", "al", "alla", "alle",
    "allo", "anche", "avere", "aveva", "avevano", "c", "che", "chi", "ci",
    "come", "con", "contro", "cui", "da", "dagli", "dai", "dal", "dall",
    "dalla", "dalle", "dallo", "degli", "dei", "del", "dell", "della",
    "delle", "dello", "di", "dove", "e", "ed", "era", "erano", "essere",
    "fu", "furono", "gli", "ha", "hai", "hanno", "ho", "i", "il", "in",
    "io", "l", "la", "le", "lei", "li", "lo", "loro", "lui", "ma", "mi",
    "mia", "mie", "miei", "mio", "ne", "negli", "nei", "nel", "nell",
    "nella", "nelle", "nello", "noi", "non", "nostra", "nostre", "nostri",
    "nostro", "o", "per", "perche", "piu", "quale", "quanta", "quante",
    "quanti", "quanto", "quella", "quelle", "quelli", "quello", "questa",
    "queste", "questi", "questo", "se", "sei", "si", "siamo", "siete",
    "sia", "sono", "stata", "stato", "su", "sua", "sue", "sugli", "sui",
    "sul", "sull", "sulla", "sulle", "sullo", "suo", "suoi", "ti", "tra",
    "tu", "tua", "tue", "tuo", "tuoi", "tutti", "tutto", "un", "una",
    "uno", "vi", "voi", "vostra", "vostre", "vostri", "vostro", NULL
};

static const char *const stop_pt[] = {
    "a", "ao", "aos", "aquela", "aquelas", "aquele", "aqueles", "aquilo",
    "as", "ate", "com", "como", "da", "das", "de", "dela", "delas", "dele",
    "deles", "depois", "do", "dos", "e", "ela", "elas", "ele", "eles", "em",
    "entre", "era", "eram", "essa", "essas", "esse", "esses", "esta",
    "estao", "estas", "estava", "este", "estes", "estou", "eu", "foi",
    "foram", "ha", "isso", "isto", "ja", "lhe", "lhes", "mais", "mas", "me",
    "mesmo", "meu", "meus", "minha", "minhas", "muito", "na", "nao", "nas",
    "nem", "no", "nos", "nossa", "nossas", "nosso", "nossos", "num", "numa",
    "o", "os", "ou", "para", "pela", "pelas", "pelo", "pelos", "por",
    "qual", "quando", "que", "quem", "sao", "se", "sem", "ser", "seu",
    "seus", "so", "sua", "suas", "tambem", "te", "tem", "tinha", "tu",
    "tua", "tuas", "teu", "teus", "um", "uma", "voce", "voces", "vos",
    NULL
};

static const char *const stop_nl[] = {
    "aan", "al", "alles", "als", "altijd", "andere", "ben", "bij", "daar",
    "dan", "dat", "de", "der", "deze", "die", "dit", "doch", "doen", "door",
    "dus", "een", "eens", "en", "er", "ge", "geen", "geweest", "haar",
    "had", "heb", "hebben", "heeft", "hem", "het", "hier", "hij", "hoe",
    "hun", "iemand", "iets", "ik", "in", "is", "ja", "je", "kan", "kon",
    "kunnen", "maar", "me", "meer", "men", "met", "mij", "mijn", "moet",
    "na", "naar", "niet", "niets", "nog", "nu", "of", "om", "omdat",
    "onder", "ons", "ook", "op", "over", "reeds", "te", "tegen", "toch",
    "toen", "tot", "u", "uit", "uw", "van", "veel", "voor", "want",
    "waren", "was", "wat", "werd", "wezen", "wie", "wil", "worden",
    "wordt", "zal", "ze", "zelf", "zich", "zij", "zijn", "zo", "zonder",
    "zou", NULL
};

static const char *const *const stop_lists[DP_LANG__COUNT] = {
    stop_fr, stop_en, stop_de, stop_es, stop_it, stop_pt, stop_nl
};

const char *dp__lang_code(int lang)
{
    return lang >= 0 && lang < DP_LANG__COUNT ? lang_codes[lang] : "";
}

const char *dp__lang_snowball(int lang)
{
    return lang >= 0 && lang < DP_LANG__COUNT ? lang_snowball[lang] : NULL;
}

int dp__lang_from_code(const char *code)
{
    if (code == NULL || code[0] == '\0' || code[1] == '\0')
        return DP_LANG_NONE;
    for (int i = 0; i < DP_LANG__COUNT; i++) {
        if (strcasecmp(code, lang_snowball[i]) == 0)
            return i;
        /* "fr", or "fr" followed by a region: "fr-FR", "fr_CA". */
        if (tolower((unsigned char)code[0]) == lang_codes[i][0] &&
            tolower((unsigned char)code[1]) == lang_codes[i][1] &&
            (code[2] == '\0' || code[2] == '-' || code[2] == '_'))
            return i;
    }
    return DP_LANG_NONE;
}

const char *const *dp__stop_list(int lang)
{
    return lang >= 0 && lang < DP_LANG__COUNT ? stop_lists[lang] : NULL;
}
