// Command steward-bench-clientgo measures client-go the way steward's benchmarks measure steward,
// for bench/compare. Built by bench/clientgo/build against the vendored client-go (v1.20.2) of the
// Debian kubernetes source package. Every mode prints name=value lines on stdout.
//
//	informer --kubeconfig F --namespace NS [--protobuf] [--no-gzip]
//	    A shared informer on the ConfigMaps of NS, set up as a controller would by default
//	    (SharedInformerFactory, client-go's QPS 5 / burst 10, no resync): time from Start to
//	    HasSynced, then VmRSS after runtime.GC(). JSON unless --protobuf: steward speaks JSON, so
//	    JSON compares the two clients on the same bytes; --protobuf is what kube's own components
//	    use. client-go's transport asks for gzip (the server compresses lists over 128 KiB);
//	    --no-gzip asks for identity, as steward and curl do.
//	list --kubeconfig F --namespace NS [--resource-version RV]
//	    The floor any client can reach: GET ...?limit=500 and its continue tokens, bodies read and
//	    dropped, no decoding, no gzip. RV "" (the default) is a consistent read from etcd, page by
//	    page; "0" is what informers ask for, served whole from the watch cache.
//	seed --kubeconfig F --namespace NS --objects N --bytes B [--workers W]
//	    Creates NS and the ConfigMaps cm-000000.. of it that are not there yet, W at a time.
//	apply --kubeconfig F --namespace PREFIX --namespaces K --objects N --bytes B [--workers W]
//	    The rate the server accepts server-side applies at (bench/apply's server_apply_limit_per_sec):
//	    creates the Namespaces PREFIX-00.. (K of them), then W workers each on a connection of
//	    its own (HTTP/1.1, as steward's pool) apply N new ConfigMaps round robin over them, with
//	    no client-side throttle. Prints apply_objects, apply_seconds, apply_per_sec, apply_failed.
//	queue --ops N [--window W] [--rate-limited]
//	    client-go's workqueue, 1 producer and 1 consumer, as bench_queue measures steward's: one op
//	    is Add + Get + Done of a distinct key, at most W keys outstanding.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: steward-bench-clientgo informer|list|seed|apply|queue [flags]")
	}
	mode, args := os.Args[1], os.Args[2:]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig file")
	namespace := flags.String("namespace", "steward-bench-compare", "namespace of the ConfigMaps")
	protobuf := flags.Bool("protobuf", false, "informer: ask for protobuf instead of JSON")
	noGzip := flags.Bool("no-gzip", false, "informer: ask for uncompressed responses")
	resourceVersion := flags.String("resource-version", "", "list: resourceVersion of the first page")
	objects := flags.Int("objects", 50000, "seed: ConfigMaps wanted")
	size := flags.Int("bytes", 1024, "seed: bytes of data per ConfigMap")
	workers := flags.Int("workers", 16, "seed: creates in flight")
	ops := flags.Int("ops", 4000000, "queue: keys pushed through")
	window := flags.Int("window", 4096, "queue: most keys outstanding")
	rateLimited := flags.Bool("rate-limited", false, "queue: the rate-limiting queue (Add, Forget, Done)")
	namespaces := flags.Int("namespaces", 20, "apply: Namespaces the ConfigMaps are spread over")
	flags.Parse(args)

	switch mode {
	case "informer":
		config := loadConfig(*kubeconfig)
		if *protobuf {
			config.ContentType = "application/vnd.kubernetes.protobuf"
			config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
		}
		if *noGzip {
			config.Wrap(func(rt http.RoundTripper) http.RoundTripper { return identityEncoding{rt} })
		}
		informerFigures(config, *namespace)
	case "list":
		listFigures(loadConfig(*kubeconfig), *namespace, *resourceVersion)
	case "seed":
		config := loadConfig(*kubeconfig)
		// Seeding is set-up, not measured: no client-side throttle.
		config.QPS, config.Burst = 1e6, 1e6
		seed(config, *namespace, *objects, *size, *workers)
	case "apply":
		config := loadConfig(*kubeconfig)
		config.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
		config.NextProtos = []string{"http/1.1"}
		applyFigures(config, *namespace, *namespaces, *objects, *size, *workers)
	case "queue":
		queueFigures(*ops, *window, *rateLimited)
	default:
		fail("unknown mode " + mode)
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "steward-bench-clientgo:", message)
	os.Exit(1)
}

func loadConfig(path string) *rest.Config {
	if path == "" {
		fail("--kubeconfig is required")
	}
	config, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		fail(err.Error())
	}
	return config
}

// rssBytes is VmRSS of /proc/self/status, as steward's bench/rss.hpp reads it.
func rssBytes() int64 {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		if line := scanner.Text(); strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(line[6:]), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

type identityEncoding struct{ next http.RoundTripper }

func (t identityEncoding) RoundTrip(request *http.Request) (*http.Response, error) {
	// With its own Accept-Encoding set, net/http neither adds gzip nor decompresses.
	request = request.Clone(request.Context())
	request.Header.Set("Accept-Encoding", "identity")
	return t.next.RoundTrip(request)
}

func informerFigures(config *rest.Config, namespace string) {
	client := kubernetes.NewForConfigOrDie(config)
	runtime.GC()
	baseline := rssBytes()

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace))
	informer := factory.Core().V1().ConfigMaps().Informer()
	stop := make(chan struct{})
	start := time.Now()
	factory.Start(stop)
	// cache.WaitForCacheSync polls every 100 ms; 1 ms keeps the figure's resolution like steward's.
	for !informer.HasSynced() {
		time.Sleep(time.Millisecond)
	}
	seconds := time.Since(start).Seconds()
	cached := len(informer.GetStore().ListKeys())

	runtime.GC()
	rss := rssBytes()
	var memory runtime.MemStats
	runtime.ReadMemStats(&memory)
	debug.FreeOSMemory()
	returned := rssBytes()
	close(stop)

	perObject := func(bytes int64) float64 {
		if cached == 0 {
			return 0
		}
		return float64(bytes) / float64(cached)
	}
	fmt.Printf("sync_seconds=%.3f\n", seconds)
	fmt.Printf("objects=%d\n", cached)
	fmt.Printf("rss_bytes=%d\n", rss)
	fmt.Printf("rss_baseline_bytes=%d\n", baseline)
	fmt.Printf("rss_bytes_per_object=%.0f\n", perObject(rss-baseline))
	fmt.Printf("heap_bytes_per_object=%.0f\n", perObject(int64(memory.HeapAlloc)))
	fmt.Printf("rss_after_free_os_memory_bytes=%d\n", returned)
}

var continuePattern = regexp.MustCompile(`"continue":"([^"]*)"`)

func listFigures(config *rest.Config, namespace, resourceVersion string) {
	transport, err := rest.TransportFor(config)
	if err != nil {
		fail(err.Error())
	}
	client := &http.Client{Transport: transport}
	base := strings.TrimSuffix(config.Host, "/") + "/api/v1/namespaces/" + url.PathEscape(namespace) + "/configmaps"
	var body bytes.Buffer
	pages, total := 0, int64(0)
	start := time.Now()
	next := ""
	for {
		query := url.Values{"limit": {"500"}}
		if next != "" {
			query.Set("continue", next)
		} else if resourceVersion != "" {
			query.Set("resourceVersion", resourceVersion)
		}
		request, _ := http.NewRequest("GET", base+"?"+query.Encode(), nil)
		request.Header.Set("Accept", "application/json")
		request.Header.Set("Accept-Encoding", "identity")
		response, err := client.Do(request)
		if err != nil {
			fail(err.Error())
		}
		body.Reset()
		n, err := io.Copy(&body, response.Body)
		response.Body.Close()
		if err != nil || response.StatusCode != http.StatusOK {
			fail(fmt.Sprintf("list page %d: HTTP %d %v", pages, response.StatusCode, err))
		}
		pages++
		total += n
		// The list's metadata comes before its items.
		head := body.Bytes()
		if len(head) > 4096 {
			head = head[:4096]
		}
		match := continuePattern.FindSubmatch(head)
		if match == nil || len(match[1]) == 0 {
			break
		}
		next = string(match[1])
	}
	fmt.Printf("list_seconds=%.3f\n", time.Since(start).Seconds())
	fmt.Printf("list_pages=%d\n", pages)
	fmt.Printf("list_bytes=%d\n", total)
}

func applyFigures(config *rest.Config, prefix string, namespaces, objects, size, workers int) {
	ctx := context.Background()
	setup := kubernetes.NewForConfigOrDie(config)
	for n := 0; n < namespaces; n++ {
		_, err := setup.CoreV1().Namespaces().Create(ctx,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%02d", prefix, n)}},
			metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			fail("create namespace: " + err.Error())
		}
	}
	value := strings.Repeat("x", size)
	indexes := make(chan int, workers)
	var failed int64
	var group sync.WaitGroup
	force := true
	start := time.Now()
	for w := 0; w < workers; w++ {
		// A client (and so a connection) of its own per worker: HTTP/1.1 carries one request at a time.
		client := kubernetes.NewForConfigOrDie(rest.CopyConfig(config))
		group.Add(1)
		go func() {
			defer group.Done()
			for i := range indexes {
				ns := fmt.Sprintf("%s-%02d", prefix, i%namespaces)
				name := fmt.Sprintf("cm-%06d", i)
				body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":%q},"data":{"v":%q}}`,
					name, ns, value)
				_, err := client.CoreV1().ConfigMaps(ns).Patch(ctx, name, types.ApplyPatchType, []byte(body),
					metav1.PatchOptions{FieldManager: "bench-apply", Force: &force})
				if err != nil {
					if atomic.AddInt64(&failed, 1) <= 5 {
						fmt.Fprintln(os.Stderr, "apply", ns+"/"+name+":", err)
					}
				}
			}
		}()
	}
	for i := 0; i < objects; i++ {
		indexes <- i
	}
	close(indexes)
	group.Wait()
	seconds := time.Since(start).Seconds()
	fmt.Printf("apply_objects=%d\n", objects)
	fmt.Printf("apply_seconds=%.3f\n", seconds)
	fmt.Printf("apply_per_sec=%.1f\n", float64(objects)/seconds)
	fmt.Printf("apply_failed=%d\n", failed)
}

func seed(config *rest.Config, namespace string, objects, size, workers int) {
	client := kubernetes.NewForConfigOrDie(config)
	ctx := context.Background()
	_, err := client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		fail("create namespace: " + err.Error())
	}
	existing := map[string]bool{}
	list, err := client.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		fail("list: " + err.Error())
	}
	for _, item := range list.Items {
		existing[item.Name] = true
	}
	list = nil

	// Printable data that compresses about as well as text does, so that gzip neither flatters nor
	// punishes; the same for every object (seed 1), so runs compare.
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-\n"
	random := rand.New(rand.NewSource(1))
	value := make([]byte, size)
	for i := range value {
		value[i] = alphabet[random.Intn(len(alphabet))]
	}
	names := make(chan string, workers)
	var created, failed int64
	var group sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for name := range names {
				configMap := &corev1.ConfigMap{
					ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "steward-bench-compare"}},
					Data:       map[string]string{"v": string(value)},
				}
				_, err := client.CoreV1().ConfigMaps(namespace).Create(ctx, configMap, metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					if atomic.AddInt64(&failed, 1) <= 5 {
						fmt.Fprintln(os.Stderr, "create", name+":", err)
					}
					continue
				}
				atomic.AddInt64(&created, 1)
			}
		}()
	}
	for i := 0; i < objects; i++ {
		if name := fmt.Sprintf("cm-%06d", i); !existing[name] {
			names <- name
		}
	}
	close(names)
	group.Wait()
	fmt.Printf("seed_existing=%d\n", len(existing))
	fmt.Printf("seed_created=%d\n", created)
	fmt.Printf("seed_seconds=%.3f\n", time.Since(start).Seconds())
	if failed > 0 {
		fail(fmt.Sprintf("%d creates failed", failed))
	}
}

// queueFigures is bench/queue_bench.cpp's 1 producer, 1 consumer run on client-go's workqueue.
func queueFigures(ops, window int, rateLimited bool) {
	keys := make([]string, ops)
	for i := range keys {
		keys[i] = "default/configmap-" + strconv.Itoa(i)
	}
	var queue workqueue.Interface
	forget := func(interface{}) {}
	if rateLimited {
		limited := workqueue.NewRateLimitingQueue(workqueue.DefaultControllerRateLimiter())
		queue, forget = limited, limited.Forget
	} else {
		queue = workqueue.New()
	}

	var finished int64 // keys done, published every 64 as bench_queue does
	start := time.Now()
	consumerDone := make(chan struct{})
	go func() {
		defer close(consumerDone)
		const publishEvery = 64
		unpublished := 0
		for {
			key, shutdown := queue.Get()
			if shutdown {
				return
			}
			forget(key) // what a controller does after a successful reconcile
			queue.Done(key)
			if unpublished++; unpublished == publishEvery {
				atomic.AddInt64(&finished, int64(unpublished))
				unpublished = 0
			}
		}
	}()
	seen := int64(0)
	for i := 0; i < ops; i++ {
		for int64(i)-seen >= int64(window) {
			runtime.Gosched()
			seen = atomic.LoadInt64(&finished)
		}
		queue.Add(keys[i])
	}
	queue.ShutDown() // the consumer drains what is queued, then Get reports shutdown
	<-consumerDone
	seconds := time.Since(start).Seconds()
	name := "queue"
	if rateLimited {
		name = "queue_rate_limited"
	}
	fmt.Printf("%s_ops_per_sec=%.0f\n", name, float64(ops)/seconds)
}
