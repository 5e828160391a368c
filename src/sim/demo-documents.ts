/**
 * The demo's sample documents: Alex Rivera's resume (rendered as a PDF through the same generator the tests use)
 * and the Backend Engineer job description, consistent with the demo's script (payment queue, slow query,
 * notification platform), so the interviewer's grounded questions and their citations make sense on the call.
 */
import { singleColumnPdf, type ResumeSpec } from './resume-corpus.js';

export const DEMO_RESUME: ResumeSpec = {
  name: 'Alex Rivera',
  headline: 'Senior Backend Engineer',
  contact: 'alex@example.com · +1 500 555 0006 · Austin, TX',
  summary: 'Backend engineer with seven years of experience in Python services, PostgreSQL and queues.',
  experience: [
    {
      title: 'Senior Backend Engineer',
      employer: 'Paylane',
      dates: '2021 – Present',
      bullets: [
        'Led the move of payment processing to a Redis-backed job queue, cutting checkout errors by 35%.',
        'Found and fixed a slow PostgreSQL query holding row locks during peak sales, restoring p99 latency to 120 ms.',
        'Built the notification service sending 3 million emails and texts a day with per-channel retries.',
      ],
    },
    {
      title: 'Backend Engineer',
      employer: 'Routekit',
      dates: '2018 – 2021',
      bullets: ['Wrote the rate limiter for the public API in Python, protecting 400 customer integrations.', 'Ran the on-call rotation for the delivery tracking services.'],
    },
  ],
  projects: ['Maintainer of a small open-source library for idempotent webhook delivery.'],
  skills: ['Python, PostgreSQL, Redis, Celery', 'AWS, Docker, Terraform'],
  education: ['BSc Software Engineering, University of Texas, 2017'],
};

export const DEMO_JOB_DESCRIPTION = `Backend Engineer (senior) — Notification Platform

About the role
You will own the notification platform: email, SMS and push for every product team.

Responsibilities
- Design and run Python services on PostgreSQL and Redis queues, deployed on AWS.
- Keep delivery reliable under retries, provider outages and traffic spikes.

Requirements
- 5+ years building backend services in Python.
- Production experience with PostgreSQL and query tuning.
- Experience with job queues and retry strategies (Redis, Celery or similar).
- Experience operating services on AWS.

Nice to have
- Experience with Terraform.
- Experience with push notification providers (APNs, FCM).
`;

export function demoResumePdf(): Promise<Buffer> {
  return singleColumnPdf(DEMO_RESUME, { Title: 'Alex Rivera — resume' });
}
