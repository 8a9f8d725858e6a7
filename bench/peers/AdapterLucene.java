/*
 * Lucene 4.10 adapter of the peer benchmark (Debian's liblucene4.10-java).
 *
 *   java AdapterLucene index CORPUS.jsonl DIR      W1: build the index
 *   java AdapterLucene query DIR QUERIES.tsv RUNS  W2+W3, JSON Lines on stdout
 *
 * Configuration, as a French news user (or Elasticsearch's "french"
 * analyzer) would write it: FrenchAnalyzer's chain (StandardTokenizer,
 * StandardFilter, ElisionFilter with FrenchAnalyzer.DEFAULT_ARTICLES,
 * LowerCaseFilter, StopFilter with the default French stop set,
 * FrenchLightStemFilter) plus ASCIIFoldingFilter after the stemmer for
 * accent folding; positions indexed (TextField), the text itself not
 * stored (only the id is stored; LUCENE_STORE_TEXT=1 stores it too: the
 * benchmark's informational row "lucene (text stored)"; LUCENE_KEEP_STOPWORDS=1
 * leaves out the StopFilter, at indexing and in the queries: the rows
 * "lucene (stop words kept)", for information); the month in a
 * SortedDocValues field;
 * BM25Similarity for indexing and search.  One indexing thread with a
 * SerialMergeScheduler (no background merge threads), forceMerge(1) at the
 * end (part of W1).  Queries go through the classic QueryParser with the
 * same analyzer.  Counts: TotalHitCountCollector; per month: a Collector
 * reading the month ordinals of every matching document.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.lucene.analysis.*;
import org.apache.lucene.analysis.core.*;
import org.apache.lucene.analysis.fr.*;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.*;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.*;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;

public class AdapterLucene {
    static final Version V = Version.LUCENE_4_10_4;

    /* LUCENE_KEEP_STOPWORDS=1: no StopFilter, so that a phrase with a
     * stop word matches exactly, as depeche's and FTS5's do (run.sh's
     * informational rows "lucene (stop words kept)": the index size, and
     * the queries analysed the same way) */
    static final boolean KEEP_STOPS =
        "1".equals(System.getenv("LUCENE_KEEP_STOPWORDS"));

    static Analyzer analyzer() {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String f, Reader r) {
                Tokenizer src = new StandardTokenizer(V, r);
                TokenStream t = new StandardFilter(V, src);
                t = new ElisionFilter(t, FrenchAnalyzer.DEFAULT_ARTICLES);
                t = new LowerCaseFilter(V, t);
                if (!KEEP_STOPS)
                    t = new StopFilter(V, t, FrenchAnalyzer.getDefaultStopSet());
                t = new FrenchLightStemFilter(t);
                t = new ASCIIFoldingFilter(t);
                return new TokenStreamComponents(src, t);
            }
        };
    }

    /* The three string fields of one corpus line (flat JSON object). */
    static String[] parse(String line) {
        String[] out = new String[3];
        int i = 0, n = line.length();
        StringBuilder sb = new StringBuilder();
        String key = null;
        while (i < n) {
            char c = line.charAt(i++);
            if (c != '"') continue;
            sb.setLength(0);
            while (i < n && (c = line.charAt(i++)) != '"') {
                if (c != '\\') { sb.append(c); continue; }
                c = line.charAt(i++);
                switch (c) {
                case 'n': sb.append('\n'); break;
                case 't': sb.append('\t'); break;
                case 'r': sb.append('\r'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'u': sb.append((char) Integer.parseInt(line.substring(i, i + 4), 16)); i += 4; break;
                default: sb.append(c);
                }
            }
            if (key == null) { key = sb.toString(); continue; }
            if (key.equals("id")) out[0] = sb.toString();
            else if (key.equals("date")) out[1] = sb.toString();
            else if (key.equals("text")) out[2] = sb.toString();
            key = null;
        }
        return out;
    }

    static void index(String corpus, String dir) throws Exception {
        IndexWriterConfig cfg = new IndexWriterConfig(V, analyzer());
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setSimilarity(new BM25Similarity());
        cfg.setMergeScheduler(new SerialMergeScheduler());
        try (IndexWriter w = new IndexWriter(FSDirectory.open(new File(dir)), cfg);
             BufferedReader in = new BufferedReader(new InputStreamReader(
                 new FileInputStream(corpus), StandardCharsets.UTF_8), 1 << 20)) {
            Field id = new StringField("id", "", Field.Store.YES);
            // LUCENE_STORE_TEXT=1: the text stored too (Lucene 4.10's
            // default LZ4 stored fields), as a user showing snippets, or
            // Elasticsearch's _source, keeps it: run.sh's "lucene-stored"
            Field text = new TextField("text", "",
                "1".equals(System.getenv("LUCENE_STORE_TEXT"))
                    ? Field.Store.YES : Field.Store.NO);
            SortedDocValuesField month = new SortedDocValuesField("month", new BytesRef());
            Document doc = new Document();
            doc.add(id);
            doc.add(text);
            doc.add(month);
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = parse(line);
                id.setStringValue(f[0]);
                text.setStringValue(f[2]);
                month.setBytesValue(new BytesRef(f[1].substring(0, Math.min(7, f[1].length()))));
                w.addDocument(doc);
            }
            w.forceMerge(1);
        }
    }

    static String translate(String op, String words) {
        if (op.equals("phrase")) return "\"" + words + "\"";
        return String.join(op.equals("or") ? " OR " : " AND ", words.split(" "));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }

    /* Per-month counts of the matching documents, from the month ordinals. */
    static class MonthCollector extends Collector {
        final TreeMap<String, Long> counts = new TreeMap<>();
        SortedDocValues dv;
        long[] perOrd;
        void flush() {
            if (dv == null) return;
            for (int o = 0; o < perOrd.length; o++)
                if (perOrd[o] > 0)
                    counts.merge(dv.lookupOrd(o).utf8ToString(), perOrd[o], Long::sum);
        }
        @Override public void setScorer(Scorer s) {}
        @Override public void collect(int doc) { int o = dv.getOrd(doc); if (o >= 0) perOrd[o]++; }
        @Override public void setNextReader(AtomicReaderContext ctx) throws IOException {
            flush();
            dv = DocValues.getSorted(ctx.reader(), "month");
            perOrd = new long[dv.getValueCount()];
        }
        @Override public boolean acceptsDocsOutOfOrder() { return true; }
        TreeMap<String, Long> result() { flush(); dv = null; return counts; }
    }

    interface Op { Object run() throws Exception; }

    static Object[] timed(Op op, int runs) throws Exception {
        Object res = op.run();                                     // warm-up
        double[] t = new double[runs];
        for (int r = 0; r < runs; r++) {
            long s = System.nanoTime();
            res = op.run();
            t[r] = (System.nanoTime() - s) / 1e6;
        }
        return new Object[] { res, median(t) };
    }

    static void query(String dir, String qfile, int runs) throws Exception {
        long t0 = System.nanoTime();
        DirectoryReader reader = DirectoryReader.open(FSDirectory.open(new File(dir)));
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(new BM25Similarity());
        Analyzer an = analyzer();
        System.out.printf(Locale.ROOT, "{\"engine\":\"lucene\",\"version\":\"%s\",\"open_ms\":%.3f}%n",
                          V.toString(), (System.nanoTime() - t0) / 1e6);
        List<String[]> qs = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                 new FileInputStream(qfile), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) qs.add(line.split("\t"));
        }
        List<Query> parsed = new ArrayList<>();
        for (String[] f : qs)
            parsed.add(new QueryParser(V, "text", an).parse(translate(f[2], f[3])));
        // JIT warm-up: one untimed pass over the query set, as in a
        // long-lived server that has been answering queries.
        for (Query qq : parsed) {
            searcher.search(qq, 10);
            searcher.search(qq, new TotalHitCountCollector());
        }
        for (int i = 0; i < qs.size(); i++) {
            String[] f = qs.get(i);
            final Query query = parsed.get(i);
            StringBuilder o = new StringBuilder();
            o.append("{\"qid\":").append(q(f[1])).append(",\"class\":").append(q(f[0]))
             .append(",\"query\":").append(q(query.toString()));
            Object[] top = timed(() -> {
                TopDocs td = searcher.search(query, 10);
                List<String> ids = new ArrayList<>();
                for (ScoreDoc sd : td.scoreDocs) ids.add(searcher.doc(sd.doc).get("id"));
                return ids;
            }, runs);
            o.append(",\"top10\":[");
            @SuppressWarnings("unchecked") List<String> ids = (List<String>) top[0];
            for (int k = 0; k < ids.size(); k++) o.append(k > 0 ? "," : "").append(q(ids.get(k)));
            o.append(String.format(Locale.ROOT, "],\"search_ms\":%.4f", (Double) top[1]));
            Object[] cnt = timed(() -> {
                TotalHitCountCollector c = new TotalHitCountCollector();
                searcher.search(query, c);
                return c.getTotalHits();
            }, runs);
            o.append(String.format(Locale.ROOT, ",\"count\":%d,\"count_ms\":%.4f", (Integer) cnt[0], (Double) cnt[1]));
            if (f[4].equals("1")) {
                Object[] mon = timed(() -> {
                    MonthCollector c = new MonthCollector();
                    searcher.search(query, c);
                    return c.result();
                }, runs);
                o.append(String.format(Locale.ROOT, ",\"timeline_ms\":%.4f,\"months\":{", (Double) mon[1]));
                @SuppressWarnings("unchecked") TreeMap<String, Long> m = (TreeMap<String, Long>) mon[0];
                boolean first = true;
                for (Map.Entry<String, Long> e : m.entrySet()) {
                    o.append(first ? "" : ",").append(q(e.getKey())).append(':').append(e.getValue());
                    first = false;
                }
                o.append('}');
            }
            o.append('}');
            System.out.println(o);
        }
        reader.close();
    }

    /* G2 (Dunning log-likelihood) of a term in the foreground (a of n1
     * documents) against the rest (b of n2 documents); positive when
     * over-represented in the foreground. */
    static double g2(double a, double n1, double b, double n2) {
        double[] o = { a, n1 - a, b, n2 - b };
        double p = (a + b) / (n1 + n2);
        double[] e = { n1 * p, n1 * (1 - p), n2 * p, n2 * (1 - p) };
        double s = 0;
        for (int i = 0; i < 4; i++) if (o[i] > 0) s += o[i] * Math.log(o[i] / e[i]);
        return (a / n1 >= b / n2 ? 2 : -2) * s;
    }

    /* W4, by hand (Lucene has no significant-terms feature; Elasticsearch
     * builds its significant_terms aggregation on top of it the same way):
     * foreground = the documents of one month, background = the others;
     * every term of the index is scored by G2 on document frequencies. */
    static void sig(String dir, String month, int runs) throws Exception {
        DirectoryReader reader = DirectoryReader.open(FSDirectory.open(new File(dir)));
        double[] t = new double[runs];
        List<Object[]> top = null;
        int nfg = 0;
        for (int r = -1; r < runs; r++) {
            long s0 = System.nanoTime();
            PriorityQueue<Object[]> pq = new PriorityQueue<>(
                (x, y) -> Double.compare((Double) x[1], (Double) y[1]));
            nfg = 0;
            int ndocs = reader.numDocs();
            for (AtomicReaderContext ctx : reader.leaves()) {
                AtomicReader ar = ctx.reader();
                SortedDocValues dv = DocValues.getSorted(ar, "month");
                int ord = dv.lookupTerm(new BytesRef(month));
                org.apache.lucene.util.FixedBitSet fg = new org.apache.lucene.util.FixedBitSet(ar.maxDoc());
                for (int d = 0; d < ar.maxDoc(); d++)
                    if (dv.getOrd(d) == ord && ord >= 0) { fg.set(d); nfg++; }
                Terms terms = ar.terms("text");
                TermsEnum te = terms.iterator(null);
                DocsEnum de = null;
                BytesRef term;
                while ((term = te.next()) != null) {
                    int df = te.docFreq();
                    if (df < 3) continue;
                    de = te.docs(null, de, DocsEnum.FLAG_NONE);
                    int a = 0;
                    for (int d = de.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = de.nextDoc())
                        if (fg.get(d)) a++;
                    if (a < 3) continue;
                    double sc = g2(a, nfg, df - a, ndocs - nfg);
                    if (pq.size() < 20 || sc > (Double) pq.peek()[1]) {
                        pq.add(new Object[] { term.utf8ToString(), sc, a, df });
                        if (pq.size() > 20) pq.poll();
                    }
                }
            }
            top = new ArrayList<>(pq);
            top.sort((x, y) -> Double.compare((Double) y[1], (Double) x[1]));
            if (r >= 0) t[r] = (System.nanoTime() - s0) / 1e6;
        }
        StringBuilder o = new StringBuilder();
        o.append(String.format(Locale.ROOT,
            "{\"engine\":\"lucene\",\"method\":\"by hand: G2 on document frequencies over every term (TermsEnum + postings vs a month bitset)\",\"foreground\":%s,\"fg_docs\":%d,\"sig_ms\":%.3f,\"top\":[",
            q(month), nfg, median(t)));
        for (int i = 0; i < top.size(); i++) {
            Object[] x = top.get(i);
            o.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "[%s,%.1f,%d,%d]",
                q((String) x[0]), (Double) x[1], (Integer) x[2], (Integer) x[3]));
        }
        System.out.println(o.append("]}"));
        reader.close();
    }

    public static void main(String[] a) throws Exception {
        if (a.length == 3 && a[0].equals("index")) index(a[1], a[2]);
        else if (a.length == 4 && a[0].equals("sig")) sig(a[1], a[2], Integer.parseInt(a[3]));
        else if (a.length == 4 && a[0].equals("query")) query(a[1], a[2], Integer.parseInt(a[3]));
        else {
            System.err.println("usage: AdapterLucene index CORPUS DIR | query DIR QUERIES RUNS");
            System.exit(2);
        }
    }
}
