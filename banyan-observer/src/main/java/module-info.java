/**
 * Banyan observer: a live web view of a running node — its system facts, its applications and
 * supervision trees, its processes — served by the node itself with the JDK's HTTP server.
 * Start it with {@link dev.banyan.observer.Observer#start(dev.banyan.Node)}.
 */
module dev.banyan.observer {
  requires transitive dev.banyan;
  requires jdk.httpserver;
  requires java.management;

  exports dev.banyan.observer;
}
