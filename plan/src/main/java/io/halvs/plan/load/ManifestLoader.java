package io.halvs.plan.load;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.HalvsApi;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads halvs objects from YAML files and folders as a GitOps repository holds them: multi-document files,
 * folders walked recursively in sorted order (.yaml, .yml and .json, as kubectl apply -R) (symbolic links followed; a loop or a dangling link is a problem,
 * never skipped silently), other kinds (Namespace, ConfigMap, kustomization.yaml) skipped. The YAML is read as
 * the API server reads it ({@link KubeYaml}); unknown fields, strings where the schema wants numbers and the
 * metadata the API server refuses ({@link ObjectMetaRules}) are errors, like kubectl's strict field validation,
 * so a typo never silently changes meaning. Nothing escapes as an exception: every problem names its file, the
 * document's line and, once known, the object.
 */
public final class ManifestLoader {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "VirtualService", VirtualService.class, "RealServer", RealServer.class, "DirectorPair", DirectorPair.class);
  /** Files larger than this are read on all cores, document by document. */
  private static final int PARALLEL_BYTES = 1 << 20;

  /** Numbers are not strings and strings are not numbers: the CRD schema types each field, and so do we. */
  private final ObjectMapper strict = com.fasterxml.jackson.databind.json.JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfig(com.fasterxml.jackson.databind.type.LogicalType.Textual, c -> {
        c.setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Integer,
            com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        c.setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Float,
            com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        c.setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Boolean,
            com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
      })
      .build();

  /**
   * What was read: the objects, the file and line each came from, and every problem as "file:line: message".
   */
  public record Result(PlanInput input, Map<ObjectRef, Path> origins, Map<ObjectRef, Integer> lines,
      List<String> problems) {
    /** "file:line: " for an object read from a file, or "" for one that was not. */
    public String where(ObjectRef ref) {
      Path p = origins.get(ref);
      return p == null ? "" : p + (lines.containsKey(ref) ? ":" + lines.get(ref) : "") + ": ";
    }
  }

  /** One document read: the halvs object it holds, a problem, or neither (someone else's object). */
  private record Read(HasMetadata object, int line, String problem) {}

  public Result load(List<Path> paths) {
    List<DirectorPair> pairs = new ArrayList<>();
    List<VirtualService> services = new ArrayList<>();
    List<RealServer> servers = new ArrayList<>();
    Map<ObjectRef, Path> origins = new HashMap<>();
    Map<ObjectRef, Integer> lines = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (Path file : files(paths, problems)) {
      String text;
      try {
        text = read(file);
      } catch (IOException e) {
        problems.add(file + ": cannot read: " + ioProblem(e));
        continue;
      }
      for (Read r : parse(text)) {
        if (r.problem() != null) {
          for (String p : r.problem().split("\n")) {
            problems.add(file + ":" + r.line() + ": " + p);
          }
          continue;
        }
        if (r.object() == null) {
          continue;
        }
        HasMetadata object = r.object();
        ObjectRef ref = ObjectRef.of(object);
        if (origins.containsKey(ref)) {
          problems.add(file + ":" + r.line() + ": " + ref + " is defined again (first in " + origins.get(ref) + ":"
              + lines.get(ref) + ")");
          continue;
        }
        origins.put(ref, file);
        lines.put(ref, r.line());
        if (object instanceof DirectorPair dp) {
          pairs.add(dp);
        } else if (object instanceof VirtualService vs) {
          services.add(vs);
        } else {
          servers.add((RealServer) object);
        }
      }
    }
    return new Result(new PlanInput(pairs, services, servers), origins, lines, problems);
  }

  /** The text of a file; an unreadable file or one that is not UTF-8 says so (it is not "invalid YAML"). */
  private static String read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IOException("not UTF-8 text (Kubernetes reads YAML as UTF-8)");
    }
  }

  static String ioProblem(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    return firstLine(e);
  }

  /** The documents of one file, in file order; a large file's documents are read on all cores. */
  private List<Read> parse(String text) {
    List<KubeYaml.Piece> pieces = KubeYaml.pieces(text);
    var stream = text.length() >= PARALLEL_BYTES ? pieces.parallelStream() : pieces.stream();
    return stream.flatMap(p -> KubeYaml.read(p).stream()).map(this::convert).toList();
  }

  /** One document to a halvs object, a problem, or nothing for someone else's object. */
  private Read convert(KubeYaml.Document d) {
    int line = d.line();
    if (d.problem() != null) {
      return new Read(null, line, d.problem());
    }
    JsonNode doc = d.tree();
    if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
      return new Read(null, line, null);
    }
    if (!doc.isObject()) {
      return new Read(null, line, "not a Kubernetes object");
    }
    JsonNode kindNode = doc.path("kind");
    JsonNode apiNode = doc.path("apiVersion");
    String kind = kindNode.isTextual() ? kindNode.asText() : "";
    String apiVersion = apiNode.isTextual() ? apiNode.asText() : "";
    boolean halvsGroup = apiVersion.startsWith(HalvsApi.GROUP + "/");
    if (!halvsGroup && (!KINDS.containsKey(kind) || !apiVersion.isEmpty())) {
      return new Read(null, line, null); // someone else's object
    }
    JsonNode meta = doc.path("metadata");
    JsonNode nameNode = meta.path("name");
    String name = nameNode.isTextual() ? nameNode.asText() : "";
    boolean namespaced = !"DirectorPair".equals(kind);
    String ns = meta.path("namespace").isTextual() && !meta.path("namespace").asText().isEmpty()
        ? meta.path("namespace").asText() : "default";
    String who = (kind.isEmpty() ? "<no kind>" : kind) + " " + (namespaced ? ns + "/" : "")
        + (name.isEmpty() ? "<unnamed>" : name);
    if (!KINDS.containsKey(kind)) {
      return new Read(null, line, who + ": unknown halvs.io kind '" + kind
          + "' (VirtualService, RealServer, DirectorPair)");
    }
    if (!apiVersion.equals(HalvsApi.API_VERSION)) {
      return new Read(null, line, who + ": apiVersion '" + apiVersion + "', expected " + HalvsApi.API_VERSION);
    }
    if (!nameNode.isMissingNode() && !nameNode.isNull() && !nameNode.isTextual()) {
      return new Read(null, line, who + ": metadata.name: expected a string, not " + nameNode.getNodeType()
          .name().toLowerCase(java.util.Locale.ROOT) + " " + nameNode);
    }
    if (name.isEmpty()) {
      return new Read(null, line, who + ": metadata.name is required");
    }
    HasMetadata object;
    try {
      object = strict.treeToValue(doc, KINDS.get(kind));
    } catch (JsonProcessingException e) {
      return new Read(null, line, who + ": " + explain(e));
    } catch (IllegalArgumentException e) {
      return new Read(null, line, who + ": " + firstLine(e));
    }
    List<String> metaProblems = new ArrayList<>(unknownFields(object));
    metaProblems.addAll(ObjectMetaRules.problems(object.getMetadata(), namespaced));
    if (!metaProblems.isEmpty()) {
      return new Read(null, line, metaProblems.stream().map(p -> who + ": " + p)
          .collect(Collectors.joining("\n")));
    }
    // A label or annotation written "key:" or "key: ~" is stored as "" (JSON null into a Go string).
    if (object.getMetadata().getLabels() != null) {
      object.getMetadata().getLabels().replaceAll((k, v) -> v == null ? "" : v);
    }
    if (object.getMetadata().getAnnotations() != null) {
      object.getMetadata().getAnnotations().replaceAll((k, v) -> v == null ? "" : v);
    }
    if (namespaced && (object.getMetadata().getNamespace() == null || object.getMetadata().getNamespace().isEmpty())) {
      object.getMetadata().setNamespace("default"); // as kubectl does
    }
    return new Read(object, line, null);
  }

  /**
   * Fields that Kubernetes' own types (metadata, the label selector) took into their catch-all map instead of
   * refusing: the API server's strict field validation refuses them, and a misspelled "matchLabel" would otherwise
   * turn the selector into {} and select every RealServer in the namespace.
   */
  private static List<String> unknownFields(HasMetadata object) {
    List<String> out = new ArrayList<>();
    unknown(out, "metadata", object.getMetadata().getAdditionalProperties());
    io.fabric8.kubernetes.api.model.LabelSelector selector = object instanceof VirtualService vs
        && vs.getSpec() != null ? vs.getSpec().getRealServerSelector() : null;
    if (selector != null) {
      unknown(out, "spec.realServerSelector", selector.getAdditionalProperties());
      if (selector.getMatchExpressions() != null) {
        for (int i = 0; i < selector.getMatchExpressions().size(); i++) {
          var r = selector.getMatchExpressions().get(i);
          if (r != null) {
            unknown(out, "spec.realServerSelector.matchExpressions[" + i + "]", r.getAdditionalProperties());
          }
        }
      }
    }
    return out;
  }

  private static void unknown(List<String> out, String path, Map<String, Object> extra) {
    if (extra != null) {
      extra.keySet().stream().sorted().forEach(k -> out.add("unknown field \"" + path + "." + k + "\""));
    }
  }

  /**
   * The YAML files under the given paths, sorted per folder. Symbolic links are followed (a GitOps repository
   * may link a shared base in); a link that loops or points nowhere, and a folder that cannot be read, are
   * problems. A file reached twice through links is read once.
   */
  private static List<Path> files(List<Path> paths, List<String> problems) {
    List<Path> out = new ArrayList<>();
    java.util.Set<Path> seen = new java.util.HashSet<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        List<Path> found = new ArrayList<>();
        try {
          Files.walkFileTree(p, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
              new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                  if (a.isSymbolicLink()) { // FOLLOW_LINKS gives a link's own attributes only when it dangles
                    problems.add(f + ": dangling symbolic link (to " + linkTarget(f) + ")");
                  } else if (a.isRegularFile() && isYaml(f)) {
                    found.add(f);
                  }
                  return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                  if (e instanceof java.nio.file.FileSystemLoopException) {
                    problems.add(f + ": symbolic link loop (leads back to a folder above it); not followed");
                  } else {
                    problems.add(f + ": cannot read: " + ioProblem(e));
                  }
                  return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) {
                  if (e != null) {
                    problems.add(dir + ": cannot read folder: " + ioProblem(e));
                  }
                  return java.nio.file.FileVisitResult.CONTINUE;
                }
              });
        } catch (IOException e) {
          problems.add(p + ": cannot read folder: " + ioProblem(e));
        }
        found.sort(null);
        for (Path f : found) {
          if (seen.add(realPath(f))) {
            out.add(f);
          }
        }
      } else if (Files.isRegularFile(p)) {
        if (seen.add(realPath(p))) {
          out.add(p);
        }
      } else if (Files.isSymbolicLink(p)) {
        problems.add(p + ": dangling symbolic link (to " + linkTarget(p) + ")");
      } else if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        problems.add(p + ": not a file or folder");
      } else {
        problems.add(p + ": no such file or folder");
      }
    }
    return out;
  }

  private static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      return "?";
    }
  }

  /** The extensions kubectl apply -R reads in a folder (JSON is YAML to the reader). */
  private static boolean isYaml(Path p) {
    String n = p.getFileName().toString();
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  /** Jackson's complaint in the user's terms: the field path and what is wrong with it. */
  static String explain(JsonProcessingException e) {
    String path = e instanceof JsonMappingException m ? path(m.getPath()) : "";
    if (e instanceof UnrecognizedPropertyException u) {
      // Jackson's path already ends with the unknown property.
      return "unknown field \"" + (path.isEmpty() ? u.getPropertyName() : path) + "\"";
    }
    if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
      return path + ": '" + f.getValue() + "' is not one of " + enumValues(f.getTargetType());
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      String expected = m.getTargetType().isEnum() ? "one of " + enumValues(m.getTargetType())
          : m.getTargetType().getSimpleName().toLowerCase(java.util.Locale.ROOT)
              .replace("integer", "an integer").replace("long", "an integer").replace("boolean", "true or false")
              .replace("string", "a string");
      return path + ": expected " + expected;
    }
    return (path.isEmpty() ? "" : path + ": ") + firstLine(e);
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String enumValues(Class<?> type) {
    return Arrays.stream(type.getFields()).filter(java.lang.reflect.Field::isEnumConstant)
        .map(f -> {
          JsonProperty p = f.getAnnotation(JsonProperty.class);
          return p != null ? p.value() : f.getName();
        }).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String firstLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
