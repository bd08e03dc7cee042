package dev.banyan.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class whose tests each run with their own Banyan node: a shorthand for {@code
 * @ExtendWith(BanyanExtension.class)}.
 *
 * {@snippet :
 * @BanyanTest
 * class WorkerTest {
 *   @Test
 *   void workerRepliesToItsCaller(Node node, ProcessContext<Object> me) {
 *     // node: started for this test; me: the test thread, attached to node as a process
 *   }
 * }
 * }
 *
 * <p>It applies to the class's {@code @Nested} classes too, and is inherited by subclasses. See
 * {@link BanyanExtension} for what happens before and after each test.
 *
 * <h2>Thread safety</h2>
 * Immutable (an annotation).
 *
 * @since 0.1
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(BanyanExtension.class)
public @interface BanyanTest {}
