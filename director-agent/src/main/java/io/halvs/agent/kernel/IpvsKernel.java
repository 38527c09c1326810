package io.halvs.agent.kernel;

import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.List;

/**
 * The kernel's IPVS table, one call per generic-netlink IPVS command. Two implementations share this contract,
 * including its errors: the real one over netlink and an in-memory one for reconciler tests. Every failure is
 * an {@link IpvsException} naming the operation, the object and the errno in words (EEXIST for a duplicate,
 * ENOENT/ESRCH for a missing object, ENOENT for an unknown scheduler module, EINVAL for bad values).
 */
public interface IpvsKernel extends AutoCloseable {

  IpvsInfo info();

  /** IPVS_CMD_GET_SERVICE dump. */
  List<KernelService> services();

  /** IPVS_CMD_GET_DEST dump of one service. */
  List<KernelDestination> destinations(ServiceKey service);

  void addService(KernelService service);

  void updateService(KernelService service);

  void deleteService(ServiceKey service);

  void addDestination(ServiceKey service, KernelDestination destination);

  void updateDestination(ServiceKey service, KernelDestination destination);

  void deleteDestination(ServiceKey service, IpAddress address, int port);

  List<SyncDaemon> daemons();

  void startDaemon(SyncDaemon daemon);

  /** Stops the daemon of that state (master or backup). */
  void stopDaemon(int state);

  IpvsTimeouts timeouts();

  void setTimeouts(IpvsTimeouts timeouts);

  /** IPVS_CMD_FLUSH: every service. Never called by the reconciler; only by explicit user commands. */
  void flush();

  /** IPVS_CMD_ZERO: counters of one service, or of all when service is null. */
  void zero(ServiceKey service);

  @Override
  void close();
}
