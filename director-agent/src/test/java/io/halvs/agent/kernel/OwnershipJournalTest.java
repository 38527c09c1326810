package io.halvs.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnershipJournalTest {
  private static ServiceKey tcp(String address, int port) {
    return ServiceKey.of(Protocol.TCP, IpAddress.parse(address), port);
  }

  @Test
  void theFileListsTheServicesInOrderWhateverOrderTheyCameIn(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("owned-services");
    OwnershipJournal journal = new OwnershipJournal(file);
    journal.add(tcp("192.0.2.9", 80));
    journal.add(ServiceKey.ofFirewallMark(IpAddress.AF_INET, 7));
    journal.add(tcp("192.0.2.1", 443));
    journal.add(tcp("192.0.2.1", 80));
    journal.add(ServiceKey.of(Protocol.UDP, IpAddress.parse("192.0.2.1"), 53));
    assertThat(Files.readAllLines(file)).containsExactly("TCP 192.0.2.1 80", "TCP 192.0.2.1 443",
        "UDP 192.0.2.1 53", "TCP 192.0.2.9 80", "FWM 2 7"); // ServiceKey's order: a mark after every address
    assertThat(new OwnershipJournal(file).owned()).isEqualTo(journal.owned());
  }

  @Test
  void retainOnlyForgetsTheRejectedInOneWriteAndWritesNothingWhenNoneGoes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("owned-services");
    OwnershipJournal journal = new OwnershipJournal(file);
    for (int i = 1; i <= 5; i++) {
      journal.add(tcp("192.0.2." + i, 80));
    }
    FileTime old = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(file, old);
    journal.retainOnly(k -> true);
    assertThat(Files.getLastModifiedTime(file)).as("nothing went: not written").isEqualTo(old);

    Set<ServiceKey> keep = Set.of(tcp("192.0.2.2", 80), tcp("192.0.2.4", 80));
    journal.retainOnly(keep::contains);
    assertThat(journal.owned()).containsExactlyInAnyOrderElementsOf(keep);
    assertThat(journal.contains(tcp("192.0.2.1", 80))).isFalse();
    assertThat(Files.readAllLines(file)).containsExactly("TCP 192.0.2.2 80", "TCP 192.0.2.4 80");
  }
}
